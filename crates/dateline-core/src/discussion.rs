//! Reader discussion: comment statuses, the checked comment text and display name, how a
//! comment's plain text becomes paragraphs and links (as data, never as HTML: the template
//! escapes every piece), the moderation rules (banned and suspect words, links, new accounts,
//! duplicates, rate limits), bans and the edit window.
//!
//! Pure rules only: no I/O, no clock (`now` is a parameter), no HTML strings.

use crate::ids::{ArticleId, CommentId, ReaderId};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Longest comment accepted, in characters.
pub const MAX_COMMENT: usize = 5000;
/// Longest display name accepted, in characters.
pub const MAX_DISPLAY_NAME: usize = 60;
/// Longest report reason accepted, in characters.
pub const MAX_REASON: usize = 500;
/// Replies nest at most this deep (a reply to a reply at this depth hangs under its parent).
pub const MAX_DEPTH: usize = 3;

/// Where a comment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentStatus {
    /// Visible to everyone.
    Published,
    /// Held for a moderator (pre-moderated discussion, or a rule flagged it).
    Pending,
    /// Refused by a moderator or a rule, citing a standard; only its author sees it.
    Rejected,
    /// Marked as spam; only its author sees it (as rejected).
    Spam,
    /// Removed by its author; replies stay, shown under "comment deleted".
    Deleted,
}

impl CommentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Published => "published",
            CommentStatus::Pending => "pending",
            CommentStatus::Rejected => "rejected",
            CommentStatus::Spam => "spam",
            CommentStatus::Deleted => "deleted",
        }
    }
}

impl fmt::Display for CommentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown comment status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for CommentStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, UnknownStatus> {
        [
            CommentStatus::Published,
            CommentStatus::Pending,
            CommentStatus::Rejected,
            CommentStatus::Spam,
            CommentStatus::Deleted,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// A reader account as the discussion sees it (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub id: ReaderId,
    pub display_name: String,
    /// None for a reader known only through an outside identity.
    pub email: Option<String>,
    /// Verified by mail, or by a moderator by hand.
    pub verified: bool,
    pub ban: Ban,
    pub created_at: Timestamp,
}

/// A comment as stored, with its author's display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: CommentId,
    pub article_id: ArticleId,
    pub reader_id: ReaderId,
    pub reader_name: String,
    pub parent_id: Option<CommentId>,
    pub body: String,
    pub status: CommentStatus,
    /// Why a rule held or refused it ('' when none did).
    pub flag: String,
    /// The community standard a rejection cites.
    pub standard: String,
    pub recommends: i64,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    /// A moderator chose it to show first, in the discussion's Featured tab.
    pub featured: bool,
    /// A moderator has acted on it (the desk's Unmoderated tab lists published ones that no
    /// one has).
    pub moderated: bool,
}

/// Why a text was refused before any rule ran.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TextError {
    #[error("Write something first: the comment is empty.")]
    Empty,
    #[error("A comment may have at most {MAX_COMMENT} characters.")]
    TooLong,
    #[error("Choose a display name.")]
    EmptyName,
    #[error("A display name may have at most {MAX_DISPLAY_NAME} characters.")]
    NameTooLong,
    #[error("Give a reason for the report.")]
    EmptyReason,
    #[error("A reason may have at most {MAX_REASON} characters.")]
    ReasonTooLong,
}

/// Line breaks normalised to `\n`, control characters (bidi overrides and zero-width tricks
/// included) removed, trimmed.
fn clean(s: &str, keep_newlines: bool) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    s.chars()
        .filter(|&c| (keep_newlines && c == '\n') || !(c.is_control() || is_invisible(c)))
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Characters that change how text around them is shown without showing themselves:
/// bidirectional overrides and isolates, zero-width joiners and spaces, the BOM.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// A comment's text as the reader wrote it, checked: 1 to [`MAX_COMMENT`] characters.
pub fn comment_text(s: &str) -> Result<String, TextError> {
    let t = clean(s, true);
    if t.is_empty() {
        Err(TextError::Empty)
    } else if t.chars().count() > MAX_COMMENT {
        Err(TextError::TooLong)
    } else {
        Ok(t)
    }
}

/// A display name, checked: one line, 1 to [`MAX_DISPLAY_NAME`] characters.
pub fn display_name(s: &str) -> Result<String, TextError> {
    let t = clean(s, false);
    if t.is_empty() {
        Err(TextError::EmptyName)
    } else if t.chars().count() > MAX_DISPLAY_NAME {
        Err(TextError::NameTooLong)
    } else {
        Ok(t)
    }
}

/// A report's reason, checked.
pub fn report_reason(s: &str) -> Result<String, TextError> {
    let t = clean(s, false);
    if t.is_empty() {
        Err(TextError::EmptyReason)
    } else if t.chars().count() > MAX_REASON {
        Err(TextError::ReasonTooLong)
    } else {
        Ok(t)
    }
}

/// A piece of a paragraph: text, or a link (its text is the URL as written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub text: String,
    /// Only `http:` and `https:` URLs ever become links.
    pub href: Option<String>,
}

/// A comment's text as paragraphs (split at blank lines) of lines of segments, with bare
/// `http://`, `https://` and `www.` addresses made links. Data, not HTML.
pub fn paragraphs(text: &str) -> Vec<Vec<Vec<Segment>>> {
    let normalised = text.replace("\r\n", "\n");
    let mut out = Vec::new();
    for para in normalised.split("\n\n") {
        let lines: Vec<Vec<Segment>> = para
            .split('\n')
            .map(str::trim_end)
            .filter(|l| !l.trim().is_empty())
            .map(segments)
            .collect();
        if !lines.is_empty() {
            out.push(lines);
        }
    }
    out
}

/// One line into text and links.
fn segments(line: &str) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut text = String::new();
    let mut rest = line;
    while !rest.is_empty() {
        let start = rest
            .char_indices()
            .find(|&(i, _)| {
                let at_word_start = i == 0
                    || rest[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_whitespace() || "([<\"'".contains(c));
                at_word_start && link_prefix(&rest[i..]).is_some()
            })
            .map(|(i, _)| i);
        let Some(start) = start else {
            text.push_str(rest);
            break;
        };
        text.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail
            .char_indices()
            .find(|&(_, c)| c.is_whitespace() || "<>\"'".contains(c))
            .map_or(tail.len(), |(i, _)| i);
        let mut url = &tail[..end];
        // Trailing punctuation belongs to the sentence, not the address.
        while let Some(c) = url.chars().next_back()
            && ".,;:!?)]}".contains(c)
        {
            url = &url[..url.len() - c.len_utf8()];
        }
        let prefix_len = link_prefix(url).unwrap_or(0);
        if url.len() <= prefix_len {
            // "https://" alone: text.
            text.push_str(&tail[..end.max(1).min(tail.len())]);
            rest = &tail[end.max(1).min(tail.len())..];
            continue;
        }
        if !text.is_empty() {
            out.push(Segment {
                text: std::mem::take(&mut text),
                href: None,
            });
        }
        let href = if url.to_ascii_lowercase().starts_with("www.") {
            format!("https://{url}")
        } else {
            url.to_owned()
        };
        out.push(Segment {
            text: url.to_owned(),
            href: Some(href),
        });
        rest = &tail[url.len()..];
    }
    if !text.is_empty() {
        out.push(Segment { text, href: None });
    }
    out
}

/// The length of the link prefix `s` starts with (`http://`, `https://`, `www.`).
fn link_prefix(s: &str) -> Option<usize> {
    let lower: String = s.chars().take(8).collect::<String>().to_ascii_lowercase();
    ["https://", "http://", "www."]
        .into_iter()
        .find(|p| lower.starts_with(p))
        .map(str::len)
}

/// How many links a text has (as [`paragraphs`] finds them).
pub fn link_count(text: &str) -> usize {
    paragraphs(text)
        .iter()
        .flatten()
        .flatten()
        .filter(|s| s.href.is_some())
        .count()
}

/// The moderation rules, kept in the `settings` table under `discussion` (JSON; missing fields
/// take these defaults, so a new rule needs no migration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscussionRules {
    /// A comment containing one of these words is rejected at once.
    pub banned_words: Vec<String>,
    /// A comment containing one of these words is held for review.
    pub suspect_words: Vec<String>,
    /// More links than this: held for review.
    pub max_links: usize,
    /// A reader's first this-many comments are held for review.
    pub hold_first: u32,
    /// How long after posting a reader may edit a comment, in seconds.
    pub edit_window_secs: i64,
    /// Comments one reader may post per minute.
    pub per_reader_per_minute: u32,
    /// Comments one client address may post per minute.
    pub per_address_per_minute: u32,
    /// The same text from the same reader within this many seconds is a duplicate.
    pub duplicate_window_secs: i64,
    /// Comments per page of a discussion.
    pub per_page: u32,
    /// The discussion mode new stories start with (the story editor can change it).
    pub default_mode: crate::article::DiscussionMode,
}

impl Default for DiscussionRules {
    fn default() -> Self {
        Self {
            banned_words: Vec::new(),
            suspect_words: Vec::new(),
            max_links: 2,
            hold_first: 0,
            edit_window_secs: 5 * 60,
            per_reader_per_minute: 5,
            per_address_per_minute: 20,
            duplicate_window_secs: 24 * 60 * 60,
            per_page: 50,
            default_mode: crate::article::DiscussionMode::Open,
        }
    }
}

/// What the rules decide about a new comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Publish,
    /// Held for review; the reason is for moderators.
    Hold(String),
    /// Refused; the reason is shown to the author.
    Reject(String),
}

/// What the rules need to know besides the text.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    /// The reader's comments so far (any status).
    pub prior_comments: u64,
    /// The article is pre-moderated.
    pub pre_moderated: bool,
    /// The reader's email address is waiting to be verified by mail.
    pub unverified: bool,
}

/// Whole-word, case-insensitive occurrences of any of `words` in `text`: the first found.
fn find_word<'a>(text: &str, words: &'a [String]) -> Option<&'a str> {
    let lower = text.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|t| !t.is_empty())
        .collect();
    words
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .find(|w| {
            let w = w.to_lowercase();
            if w.contains(' ') {
                lower.contains(&w)
            } else {
                tokens.iter().any(|t| *t == w)
            }
        })
}

/// Apply the rules to a new comment's (checked) text.
pub fn judge(rules: &DiscussionRules, text: &str, cx: Context) -> Verdict {
    if let Some(w) = find_word(text, &rules.banned_words) {
        return Verdict::Reject(format!("it uses a word this site does not allow (\"{w}\")"));
    }
    if let Some(w) = find_word(text, &rules.suspect_words) {
        return Verdict::Hold(format!("suspect word \"{w}\""));
    }
    let links = link_count(text);
    if links > rules.max_links {
        return Verdict::Hold(format!("{links} links (at most {})", rules.max_links));
    }
    if cx.unverified {
        return Verdict::Hold("email address not verified yet".to_owned());
    }
    if cx.prior_comments < u64::from(rules.hold_first) {
        return Verdict::Hold("a new account's first comments".to_owned());
    }
    if cx.pre_moderated {
        return Verdict::Hold("pre-moderated discussion".to_owned());
    }
    Verdict::Publish
}

/// The community standards a site starts with (Markdown, shown at `/community-standards/`
/// until the site settings say otherwise). Each list item is one standard a moderator can cite.
pub const DEFAULT_STANDARDS: &str = "We want discussions readers are glad to join. Comments \
that break these standards are removed, and accounts that keep breaking them are banned.

- Be civil: no personal attacks, insults or threats.
- No hate speech or harassment of any person or group.
- Stay on topic: discuss the story, not other readers.
- No spam, advertising or repeated posts.
- Respect privacy: no one's personal details.
- Nothing unlawful, and no impersonation.
";

/// The standards a moderator can cite: the list items of the community standards text (`- `,
/// `* ` or `1. `), or the default standards when it has none.
pub fn standards(text: &str) -> Vec<String> {
    let items = |t: &str| -> Vec<String> {
        t.lines()
            .map(str::trim)
            .filter_map(|l| {
                l.strip_prefix("- ")
                    .or_else(|| l.strip_prefix("* "))
                    .or_else(|| {
                        let digits = l.chars().take_while(char::is_ascii_digit).count();
                        (digits > 0)
                            .then(|| l[digits..].strip_prefix(". "))
                            .flatten()
                    })
            })
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect()
    };
    let found = items(text);
    if found.is_empty() {
        items(DEFAULT_STANDARDS)
    } else {
        found
    }
}

/// A standard's short label for the moderation desk's reject buttons and the log: the bold
/// lead of `**Be civil.** Argue…`, else what comes before a colon (`Be civil: no…`), else the
/// first sentence, cut at a word to at most 40 characters. Markdown emphasis marks are
/// dropped, so a label never shows raw Markdown.
pub fn standard_label(standard: &str) -> String {
    const MAX: usize = 40;
    let t = standard.trim();
    let lead = if let Some(rest) = t.strip_prefix("**").or_else(|| t.strip_prefix("__")) {
        rest.split_once("**")
            .or_else(|| rest.split_once("__"))
            .map_or(rest, |(bold, _)| bold)
    } else if let Some((before, _)) = t.split_once(": ").filter(|(b, _)| b.chars().count() <= MAX) {
        before
    } else {
        t.split_once(". ").map_or(t, |(first, _)| first)
    };
    let plain: String = lead
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '`'))
        .collect();
    let plain = plain.trim().trim_end_matches(['.', ':', ';', ',']).trim();
    if plain.chars().count() <= MAX {
        return plain.to_owned();
    }
    let mut out = String::new();
    for word in plain.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > MAX - 1 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = plain.chars().take(MAX - 1).collect();
    }
    out.push('\u{2026}');
    out
}

/// Whether a comment posted at `posted` may still be edited at `now`.
pub fn may_edit(rules: &DiscussionRules, posted: Timestamp, now: Timestamp) -> bool {
    now.duration_since(posted) <= SignedDuration::from_secs(rules.edit_window_secs.max(0))
}

/// A reader's ban.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ban {
    pub until: Option<Timestamp>,
    pub forever: bool,
}

impl Ban {
    pub fn active(&self, now: Timestamp) -> bool {
        self.forever || self.until.is_some_and(|u| u > now)
    }
}

/// The sort orders of a discussion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Oldest,
    Newest,
    Recommended,
    /// Only the comments moderators featured, newest first.
    Featured,
}

impl Sort {
    /// `?sort=` as typed: unknown values fall back to oldest first.
    pub fn parse(s: Option<&str>) -> Sort {
        match s {
            Some("newest") => Sort::Newest,
            Some("recommended") => Sort::Recommended,
            Some("featured") => Sort::Featured,
            _ => Sort::Oldest,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Oldest => "oldest",
            Sort::Newest => "newest",
            Sort::Recommended => "recommended",
            Sort::Featured => "featured",
        }
    }
}

#[cfg(test)]
mod tests;
