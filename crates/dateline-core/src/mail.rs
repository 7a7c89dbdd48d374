//! The mail Dateline sends readers: what each single-use link is for, how long it lasts, and
//! the words of each message. Pure: sending (SMTP, retries) is `dateline-web`'s `mail` module,
//! and tokens are made and hashed there too; this module never sees a token's store form.

use jiff::SignedDuration;

/// What a mailed link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Confirms that the reader reads the address they registered with.
    Verify,
    /// Lets the reader choose a new password.
    Reset,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Verify => "verify",
            LinkPurpose::Reset => "reset",
        }
    }

    /// How long a link works after it is made. A reset link is short-lived: it is as good as
    /// the password to whoever holds the mailbox.
    pub fn lifetime(self) -> SignedDuration {
        match self {
            LinkPurpose::Verify => SignedDuration::from_hours(48),
            LinkPurpose::Reset => SignedDuration::from_hours(1),
        }
    }
}

/// A message's subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailText {
    pub subject: String,
    pub body: String,
}

/// The mail sent on registration (and when a reader asks for the link again).
pub fn verify_mail(site_name: &str, reader_name: &str, link: &str) -> MailText {
    MailText {
        subject: format!("Confirm your email address for {site_name}"),
        body: format!(
            "Hello {reader_name},\n\n\
             Please confirm that this is your email address by opening this link:\n\n\
             {link}\n\n\
             The link works once, for 48 hours. Until you confirm, your comments wait for a\n\
             moderator before they appear.\n\n\
             If you did not create an account at {site_name}, ignore this message.\n"
        ),
    }
}

/// The mail sent when someone asks to reset the password of an account with this address.
pub fn reset_mail(site_name: &str, reader_name: &str, link: &str) -> MailText {
    MailText {
        subject: format!("Reset your {site_name} password"),
        body: format!(
            "Hello {reader_name},\n\n\
             Someone asked to reset the password of your reader account. To choose a new\n\
             password, open this link:\n\n\
             {link}\n\n\
             The link works once, for one hour. Choosing a new password signs you out\n\
             everywhere else.\n\n\
             If you did not ask for this, ignore this message: your password stays as it is.\n"
        ),
    }
}

/// What a reply mail says: who replied where, the reply itself (its first
/// [`REPLY_EXCERPT_CHARS`] characters), a link to it in the discussion and the link that stops
/// these mails at once.
pub struct ReplyText<'a> {
    pub site_name: &'a str,
    pub reader_name: &'a str,
    pub replier_name: &'a str,
    pub headline: &'a str,
    pub reply: &'a str,
    pub link: &'a str,
    pub off_link: &'a str,
}

/// How much of a reply its mail quotes.
pub const REPLY_EXCERPT_CHARS: usize = 600;

/// The mail sent to a reader who asked for it when someone replies to their comment.
pub fn reply_mail(t: &ReplyText<'_>) -> MailText {
    let mut reply: String = t.reply.trim().chars().take(REPLY_EXCERPT_CHARS).collect();
    if t.reply.trim().chars().count() > REPLY_EXCERPT_CHARS {
        reply.push('…');
    }
    // Quoted, line by line, as mail clients show a quotation.
    let quoted = reply
        .lines()
        .map(|l| {
            if l.is_empty() {
                ">".to_owned()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    MailText {
        subject: format!(
            "{} replied to your comment on {}",
            t.replier_name, t.headline
        ),
        body: format!(
            "Hello {reader},\n\n\
             {replier} replied to your comment on \"{headline}\":\n\n\
             {quoted}\n\n\
             Read it in the discussion and answer:\n\
             {link}\n\n\
             You get this because you asked {site} to email you about replies. To stop these\n\
             emails, open this link (nothing else changes):\n\
             {off}\n",
            reader = t.reader_name,
            replier = t.replier_name,
            headline = t.headline,
            link = t.link,
            site = t.site_name,
            off = t.off_link,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mails_carry_the_link_on_a_line_of_its_own() {
        let link = "https://news.example/readers/verify?token=abc";
        for m in [
            verify_mail("The Herald", "Nadia", link),
            reset_mail("The Herald", "Nadia", link),
        ] {
            assert!(m.body.lines().any(|l| l == link), "{}", m.body);
            assert!(m.subject.contains("The Herald"));
        }
    }

    #[test]
    fn a_reset_link_lasts_an_hour() {
        assert_eq!(LinkPurpose::Reset.lifetime(), SignedDuration::from_hours(1));
        assert!(LinkPurpose::Verify.lifetime() > LinkPurpose::Reset.lifetime());
    }
}
