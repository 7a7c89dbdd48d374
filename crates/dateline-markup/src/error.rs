//! Why a body cannot be saved. Every message is written for an editor, starts with the 1-based
//! line number in the body as typed, and says how to fix the problem.
//!
//! Messages must never echo more of the editor's text than needed to find the problem, and never
//! mention parser internals.

/// A body that cannot be rendered; the newsroom shows the message next to the editor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkupError {
    #[error(
        "line {line}: `::: photo` needs a photo number or an image address, like `::: photo 42` or `::: photo https://…/picture.jpg`"
    )]
    PhotoMissingRef { line: usize },

    #[error(
        "line {line}: `{reference}` is not a photo number or an image address; an address must start with https://, http:// or /"
    )]
    PhotoBadRef { line: usize, reference: String },

    #[error("line {line}: this photo block is never closed; add a line with just `:::` after it")]
    PhotoUnclosed { line: usize },

    #[error("line {line}: expected `name: value` (like `caption: …`) inside a photo block")]
    PhotoBadLine { line: usize },

    #[error("line {line}: a photo block has no `{key}:` line here; it can have {allowed}")]
    PhotoUnknownKey {
        line: usize,
        key: String,
        allowed: &'static str,
    },

    #[error("line {line}: `{key}:` is given twice in this photo block")]
    PhotoDuplicateKey { line: usize, key: String },

    #[error("line {line}: a photo needs an `alt:` line")]
    PhotoNeedsAlt { line: usize },

    #[error("line {line}: `alt:` is empty; describe the photo for readers who cannot see it")]
    PhotoEmptyAlt { line: usize },

    #[error(
        "line {line}: a photo from a file needs a `size:` line with its width and height in pixels, like `size: 1600x900`"
    )]
    PhotoNeedsSize { line: usize },

    #[error(
        "line {line}: `{value}` is not a size; write width x height in pixels, like `size: 1600x900`"
    )]
    PhotoBadSize { line: usize, value: String },

    #[error(
        "line {line}: this photo block is swallowed by unclosed HTML or code above it; check the lines before it"
    )]
    PhotoSwallowed { line: usize },

    #[error(
        "line {line}: the note `[^{label}]` is not defined; add a line `[^{label}]: …`, or write `\\[^{label}]` to show the brackets"
    )]
    UndefinedNote { line: usize, label: String },

    #[error(
        "line {line}: the note label `[^{label}]` has quotation marks or apostrophes in it; use letters, digits and hyphens, as in `[^un-report]`"
    )]
    QuotedNoteLabel { line: usize, label: String },

    #[error("line {line}: the note `[^{label}]` is defined twice (first on line {first})")]
    DuplicateNote {
        line: usize,
        label: String,
        first: usize,
    },

    #[error("line {line}: pictures are added with a `::: photo` block, not with `![…](…)`")]
    ImageNotSupported { line: usize },

    #[error("line {line}: quotes or lists are nested too deeply here")]
    TooDeep { line: usize },
}

impl MarkupError {
    /// The 1-based line of the body the error is about, so the editor can highlight it.
    pub fn line(&self) -> usize {
        match self {
            Self::PhotoMissingRef { line }
            | Self::PhotoBadRef { line, .. }
            | Self::PhotoUnclosed { line }
            | Self::PhotoBadLine { line }
            | Self::PhotoUnknownKey { line, .. }
            | Self::PhotoDuplicateKey { line, .. }
            | Self::PhotoNeedsAlt { line }
            | Self::PhotoEmptyAlt { line }
            | Self::PhotoNeedsSize { line }
            | Self::PhotoBadSize { line, .. }
            | Self::PhotoSwallowed { line }
            | Self::UndefinedNote { line, .. }
            | Self::QuotedNoteLabel { line, .. }
            | Self::DuplicateNote { line, .. }
            | Self::ImageNotSupported { line }
            | Self::TooDeep { line } => *line,
        }
    }
}
