//! One newsletter message: an HTML part and a plain-text part (multipart/alternative), the
//! headers bulk mail needs (`List-Unsubscribe` with an HTTPS and a mailto address,
//! `List-Unsubscribe-Post: List-Unsubscribe=One-Click` per RFC 8058, `List-Id`,
//! `Feedback-ID`, `Precedence: bulk`, `Message-ID`, `Date`) and per-subscriber links (view in
//! browser, preferences, unsubscribe). DKIM signing is the caller's, after this.
//!
//! The HTML is hand-written tables with inline styles rather than MJML: one column, a
//! 600-pixel table that shrinks to the screen, system fonts, no images, and colours only on
//! the header band, with text on its own background, so clients that force a dark mode invert
//! it without losing contrast. Everything from editors is escaped or was sanitised when it
//! was rendered. The Message-ID is made from the issue and subscriber, so a message sent
//! twice by any mishap carries the same id, which receivers use to drop the copy.

use super::links::LinkSigner;
use anyhow::Context;
use dateline_core::html::escape;
use dateline_core::site::SiteSettings;
use dateline_store::{Issue, Newsletter};
use jiff::Timestamp;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};

/// What a message is made of.
pub struct Parts<'a> {
    pub site: &'a SiteSettings,
    pub newsletter: &'a Newsletter,
    pub issue: &'a Issue,
    pub from: &'a Mailbox,
    pub to: Mailbox,
    /// 0 for a test send (its links name no subscriber and do nothing).
    pub subscriber_id: i64,
    pub signer: &'a LinkSigner,
    pub now: Timestamp,
}

/// The links in a message.
pub struct Links {
    pub archive: String,
    pub preferences: String,
    pub unsubscribe: String,
    pub mailto: String,
}

pub fn links(p: &Parts<'_>) -> Links {
    let base = p.site.base_url.trim_end_matches('/');
    let unsubscribe_token = p.signer.unsubscribe(p.subscriber_id, p.newsletter.id);
    Links {
        archive: format!("{base}/newsletters/issues/{}/", p.issue.id),
        preferences: format!(
            "{base}/newsletters/preferences?token={}",
            p.signer.preferences(p.subscriber_id)
        ),
        unsubscribe: format!("{base}/newsletters/unsubscribe?token={unsubscribe_token}"),
        mailto: format!(
            "mailto:{}?subject=unsubscribe%20{unsubscribe_token}",
            p.from.email
        ),
    }
}

fn raw(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

/// The whole message, unsigned.
pub fn build(p: &Parts<'_>) -> anyhow::Result<Message> {
    let l = links(p);
    let domain = p.from.email.domain().to_owned();
    let text = text_part(p, &l);
    let html = html_part(p, &l);
    Message::builder()
        .from(p.from.clone())
        .to(p.to.clone())
        .subject(p.issue.subject.clone())
        .date(std::time::SystemTime::from(p.now))
        .message_id(Some(format!(
            "<issue-{}.subscriber-{}@{domain}>",
            p.issue.id, p.subscriber_id
        )))
        .raw_header(raw(
            "List-Unsubscribe",
            format!("<{}>, <{}>", l.unsubscribe, l.mailto),
        ))
        .raw_header(raw(
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click".to_owned(),
        ))
        .raw_header(raw(
            "List-Id",
            format!(
                "\"{}\" <{}.{domain}>",
                p.newsletter.name.replace(['"', '\\'], ""),
                p.newsletter.slug
            ),
        ))
        .raw_header(raw(
            "Feedback-ID",
            format!("{}:{}:newsletter:dateline", p.issue.id, p.newsletter.slug),
        ))
        .raw_header(raw("Precedence", "bulk".to_owned()))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(lettre::message::header::ContentType::TEXT_PLAIN)
                        .body(crate::mail::text_body(&text)),
                )
                .singlepart(SinglePart::html(html)),
        )
        .context("building the newsletter message")
}

/// The plain-text part: the issue's text, then the links, each on a line of its own.
pub fn text_part(p: &Parts<'_>, l: &Links) -> String {
    format!(
        "{name} | {site}\n\n{subject}\n\n{body}\n\n--\n\
         View in your browser:\n{archive}\n\n\
         Your newsletters:\n{preferences}\n\n\
         Unsubscribe from {name}:\n{unsubscribe}\n",
        name = p.newsletter.name,
        site = p.site.name,
        subject = p.issue.subject,
        body = p.issue.body_text.trim_end(),
        archive = l.archive,
        preferences = l.preferences,
        unsubscribe = l.unsubscribe,
    )
}

/// The HTML part (see the module's note on why tables).
pub fn html_part(p: &Parts<'_>, l: &Links) -> String {
    let lang = escape(&p.site.language);
    let site = escape(&p.site.name);
    let name = escape(&p.newsletter.name);
    let subject = escape(&p.issue.subject);
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"color-scheme\" content=\"light dark\">\
<meta name=\"supported-color-schemes\" content=\"light dark\">\
<title>{subject}</title></head>\n\
<body style=\"margin:0;padding:0;background:#f4f1ea;\">\n\
<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#f4f1ea;\"><tr><td align=\"center\" style=\"padding:16px 8px;\">\n\
<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:600px;background:#ffffff;color:#1a1a1a;font-family:Georgia,'Times New Roman',serif;font-size:18px;line-height:1.5;\">\n\
<tr><td style=\"background:#052962;color:#ffffff;padding:16px 24px;font-family:Arial,Helvetica,sans-serif;\">\
<p style=\"margin:0;font-size:14px;\">{site}</p><p style=\"margin:4px 0 0;font-size:22px;font-weight:bold;\">{name}</p></td></tr>\n\
<tr><td style=\"padding:8px 24px 0;font-family:Arial,Helvetica,sans-serif;font-size:14px;\"><a href=\"{archive}\" style=\"color:#052962;\">View in your browser</a></td></tr>\n\
<tr><td style=\"padding:8px 24px 24px;\"><h1 style=\"font-size:28px;line-height:1.2;margin:8px 0 16px;\">{subject}</h1>\n{body}\n</td></tr>\n\
<tr><td style=\"padding:16px 24px;border-top:1px solid #dcdcdc;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#333333;\">\
You receive {name} because you subscribed at {site}. \
<a href=\"{preferences}\" style=\"color:#052962;\">Manage your newsletters</a> · \
<a href=\"{unsubscribe}\" style=\"color:#052962;\">Unsubscribe</a></td></tr>\n\
</table></td></tr></table>\n</body></html>\n",
        archive = escape(&l.archive),
        preferences = escape(&l.preferences),
        unsubscribe = escape(&l.unsubscribe),
        body = p.issue.body_html,
    )
}
