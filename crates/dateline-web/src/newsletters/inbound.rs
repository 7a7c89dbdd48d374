//! Mail that comes back to the site's From address, read from its raw bytes (RFC 5322):
//! delivery status notifications (RFC 3464, `multipart/report; report-type=delivery-status`),
//! complaint reports (RFC 5965 ARF, `report-type=feedback-report`) and the mailto unsubscribe
//! (`List-Unsubscribe: <mailto:FROM?subject=unsubscribe%20TOKEN>`). Fed by `dateline mail
//! inbound` (a Postfix or Exim pipe) and by `POST /api/v1/mail/events` with a
//! `message/rfc822` body.
//!
//! A report is matched to the message it is about by the Message-ID the sender made,
//! `<issue-ISSUE.subscriber-SUBSCRIBER@DOMAIN>`, found in the returned headers (RFC 3464 asks
//! the reporting MTA to return at least them; Postfix returns the whole message or its
//! headers). Parsing only: nothing here touches the store, and nothing here logs an address.

use dateline_core::newsletter::BounceKind;
use mailparse::{MailHeaderMap, ParsedMail};

/// One bounce or complaint, from any source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailEvent {
    pub kind: BounceKind,
    /// Lower-cased; may be empty when `message_id` names one of ours.
    pub email: String,
    /// The Message-ID of the message this is about, without angle brackets.
    pub message_id: Option<String>,
    /// The receiving server's words (`5.1.1 smtp; 550 user unknown`).
    pub detail: String,
    /// `dsn`, `arf`, `webhook` or `ses`.
    pub source: &'static str,
}

/// What an inbound message is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A delivery report or complaint report: its events (none when every recipient was
    /// delivered or relayed).
    Report(Vec<MailEvent>),
    /// A mailto unsubscribe: the signed token in its subject.
    Unsubscribe(String),
    /// Anything else (a reader's reply, an auto-responder): nothing to do.
    Other,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InboundError {
    #[error("the message could not be read as mail: {0}")]
    Unreadable(String),
    #[error("the message is empty")]
    Empty,
}

/// The (issue, subscriber) a Message-ID of ours names: `issue-3.subscriber-7@domain`, with or
/// without angle brackets.
pub fn delivery_of(message_id: &str) -> Option<(i64, i64)> {
    let id = message_id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    let (local, _) = id.split_once('@')?;
    let rest = local.strip_prefix("issue-")?;
    let (issue, subscriber) = rest.split_once(".subscriber-")?;
    Some((issue.parse().ok()?, subscriber.parse().ok()?))
}

/// Read a raw message.
pub fn read(raw: &[u8]) -> Result<Inbound, InboundError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(InboundError::Empty);
    }
    let mail = mailparse::parse_mail(raw).map_err(|e| InboundError::Unreadable(e.to_string()))?;
    if mail.ctype.mimetype.eq_ignore_ascii_case("multipart/report") {
        let report_type = mail
            .ctype
            .params
            .get("report-type")
            .map(|t| t.to_ascii_lowercase())
            .unwrap_or_default();
        match report_type.as_str() {
            "delivery-status" => return Ok(Inbound::Report(delivery_status(&mail))),
            "feedback-report" => return Ok(Inbound::Report(feedback_report(&mail))),
            _ => {}
        }
    }
    let subject = mail.headers.get_first_value("Subject").unwrap_or_default();
    let mut words = subject.split_whitespace();
    if words
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("unsubscribe"))
        && let Some(token) = words.next()
    {
        return Ok(Inbound::Unsubscribe(token.to_owned()));
    }
    Ok(Inbound::Other)
}

/// Every part of a message, depth first (a report may sit inside a forwarded message's
/// multipart/mixed, but never deeper than the parser's own nesting).
fn parts<'a>(mail: &'a ParsedMail<'a>, out: &mut Vec<&'a ParsedMail<'a>>) {
    out.push(mail);
    for p in &mail.subparts {
        parts(p, out);
    }
}

/// The blocks of fields a `message/delivery-status` or `message/feedback-report` body holds:
/// header-like lines, blocks separated by blank lines (RFC 3464 §2.1).
fn field_blocks(body: &str) -> Vec<Vec<(String, String)>> {
    let body = body.replace("\r\n", "\n");
    body.split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .filter_map(|b| {
            let block = format!("{}\n\n", b.trim_start_matches('\n'));
            mailparse::parse_headers(block.as_bytes())
                .ok()
                .map(|(hs, _)| {
                    hs.iter()
                        .map(|h| (h.get_key().to_ascii_lowercase(), h.get_value()))
                        .collect()
                })
        })
        .collect()
}

fn field<'a>(block: &'a [(String, String)], name: &str) -> Option<&'a str> {
    block.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim())
}

/// `rfc822; Ana@Example.org` → `ana@example.org`.
fn address(typed: &str) -> String {
    let a = typed.split_once(';').map_or(typed, |(_, a)| a);
    a.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_lowercase()
}

/// The Message-ID in the returned message or headers (`message/rfc822`,
/// `text/rfc822-headers`, or `message/rfc822-headers`), without angle brackets.
fn returned_message_id(all: &[&ParsedMail<'_>]) -> Option<String> {
    for p in all {
        let t = p.ctype.mimetype.to_ascii_lowercase();
        if matches!(
            t.as_str(),
            "message/rfc822" | "text/rfc822-headers" | "message/rfc822-headers"
        ) {
            // The parser leaves an enclosed message as one body: its headers are read again.
            let body = p.get_body_raw().unwrap_or_default();
            if let Ok((headers, _)) = mailparse::parse_headers(&body)
                && let Some(id) = headers.get_first_value("Message-ID")
            {
                return Some(
                    id.trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_owned(),
                );
            }
        }
    }
    None
}

fn delivery_status(mail: &ParsedMail<'_>) -> Vec<MailEvent> {
    let mut all = Vec::new();
    parts(mail, &mut all);
    let message_id = returned_message_id(&all);
    let mut events = Vec::new();
    for p in &all {
        if !p
            .ctype
            .mimetype
            .eq_ignore_ascii_case("message/delivery-status")
        {
            continue;
        }
        let body = p.get_body().unwrap_or_default();
        // The first block is about the message; each later one about one recipient.
        for block in field_blocks(&body).iter().skip(1) {
            let action = field(block, "action").unwrap_or("");
            let status = field(block, "status").unwrap_or("");
            let Some(kind) = BounceKind::from_dsn(action, status) else {
                continue;
            };
            let Some(recipient) =
                field(block, "final-recipient").or_else(|| field(block, "original-recipient"))
            else {
                continue;
            };
            let diagnostic = field(block, "diagnostic-code").unwrap_or("");
            let detail = format!("{action} {status} {diagnostic}")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            events.push(MailEvent {
                kind,
                email: address(recipient),
                message_id: message_id.clone(),
                detail,
                source: "dsn",
            });
        }
    }
    events
}

fn feedback_report(mail: &ParsedMail<'_>) -> Vec<MailEvent> {
    let mut all = Vec::new();
    parts(mail, &mut all);
    let message_id = returned_message_id(&all);
    let mut events = Vec::new();
    for p in &all {
        if !p
            .ctype
            .mimetype
            .eq_ignore_ascii_case("message/feedback-report")
        {
            continue;
        }
        let body = p.get_body().unwrap_or_default();
        let fields: Vec<(String, String)> = field_blocks(&body).into_iter().flatten().collect();
        let feedback = field(&fields, "feedback-type").unwrap_or("abuse");
        // Only a reader's complaint suppresses; `not-spam` or a virus report does not.
        if !matches!(
            feedback.to_ascii_lowercase().as_str(),
            "abuse" | "fraud" | "other"
        ) {
            continue;
        }
        let email = field(&fields, "original-rcpt-to")
            .map(address)
            .unwrap_or_default();
        events.push(MailEvent {
            kind: BounceKind::Complaint,
            email,
            message_id: message_id.clone(),
            detail: format!("feedback report: {feedback}"),
            source: "arf",
        });
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_message_ids_name_their_delivery() {
        assert_eq!(
            delivery_of("<issue-3.subscriber-17@herald.example>"),
            Some((3, 17))
        );
        assert_eq!(
            delivery_of("issue-3.subscriber-17@herald.example"),
            Some((3, 17))
        );
        assert_eq!(delivery_of("<20261205.3F2A@mail.example>"), None);
        assert_eq!(delivery_of("issue-x.subscriber-1@h"), None);
    }

    #[test]
    fn the_mailto_unsubscribe_carries_its_token() {
        let raw = b"From: ana@example.org\r\nTo: news@herald.example\r\n\
                    Subject: unsubscribe abc.def\r\n\r\n\r\n";
        assert_eq!(read(raw), Ok(Inbound::Unsubscribe("abc.def".to_owned())));
        let raw = b"From: ana@example.org\r\nSubject: Re: The Morning\r\n\r\nThanks!\r\n";
        assert_eq!(read(raw), Ok(Inbound::Other));
        assert_eq!(read(b"  \n"), Err(InboundError::Empty));
    }

    #[test]
    fn a_delayed_report_is_soft_and_a_delivered_one_is_nothing() {
        let raw = "From: MAILER-DAEMON@mx.example\r\n\
                   Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\
                   \r\n--b\r\nContent-Type: text/plain\r\n\r\nDelayed.\r\n\
                   --b\r\nContent-Type: message/delivery-status\r\n\r\n\
                   Reporting-MTA: dns; mx.example\r\n\r\n\
                   Final-Recipient: rfc822; Slow@Example.org\r\nAction: delayed\r\n\
                   Status: 4.4.1\r\n\r\n\
                   Final-Recipient: rfc822; fine@example.org\r\nAction: delivered\r\n\
                   Status: 2.0.0\r\n\r\n--b--\r\n";
        let Ok(Inbound::Report(events)) = read(raw.as_bytes()) else {
            panic!("not read as a report");
        };
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, BounceKind::Soft);
        assert_eq!(events[0].email, "slow@example.org");
        assert_eq!(events[0].message_id, None);
    }
}
