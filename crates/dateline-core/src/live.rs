//! Live audio mounts as the rest of Dateline sees them: the checked public path of a stream
//! (`/live/radio.mp3`), its audio format, and the stored configuration of a mount.
//!
//! Pure data and rules, no I/O. A mount holds its source password only as a hash, and its
//! `Debug` never prints even that.

use jiff::Timestamp;
use serde::Serialize;
use std::fmt;

/// The prefix every mount path starts with, so streams never shadow a page.
pub const MOUNT_PREFIX: &str = "/live/";

/// About four seconds of 128 kbit/s audio: enough for a player to start at once.
pub const DEFAULT_BURST_BYTES: u32 = 64 * 1024;

/// How far (in bytes) a listener may fall behind the source before it is dropped; Icecast's
/// default `queue-size`.
pub const DEFAULT_QUEUE_BYTES: u32 = 512 * 1024;

/// Wrong source passwords allowed per mount and client address before further tries are
/// refused unchecked until the oldest leaves the window: a broadcaster mistyping a password
/// gets several tries, a guesser a handful an hour instead of hundreds a minute. Per address
/// as well as per mount, so a guesser elsewhere never locks the real source out.
pub const SOURCE_THROTTLE: crate::account::Throttle = crate::account::Throttle {
    max_failures: 10,
    window: jiff::SignedDuration::from_mins(15),
};

/// The smallest queue accepted: below this a listener on an ordinary connection would be
/// dropped for the jitter of a single network hiccup.
pub const MIN_QUEUE_BYTES: u32 = 16 * 1024;

/// `/live/<name>`, where the name is 1–64 characters of ASCII letters, digits, `.`, `_` and
/// `-`, not starting with a dot. One segment only, so a mount is one route.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct MountPath(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MountError {
    #[error("a mount path looks like /live/radio.mp3, not {0:?}")]
    BadPath(String),
    #[error("unknown audio format {0:?}: use mp3, aac or ogg")]
    BadFormat(String),
    #[error("the burst ({burst} bytes) must not exceed the queue ({queue} bytes)")]
    BurstOverQueue { burst: u32, queue: u32 },
    #[error("the queue must be at least {MIN_QUEUE_BYTES} bytes, not {0}")]
    QueueTooSmall(u32),
    #[error("a mount cannot fall back to itself")]
    FallbackToSelf,
    #[error("the maximum number of listeners must be at least 1")]
    NoListeners,
    /// The URL as given is not repeated: it may hold a password.
    #[error("a relay upstream looks like http://[user:password@]host[:port]/path ({0})")]
    BadUpstream(&'static str),
    #[error(
        "a playlist name is 1–64 letters, digits, dots, dashes or underscores, such as morning-tape, not {0:?}"
    )]
    BadPlaylistName(String),
}

/// A playlist's name, as people type it (`--playlist morning-tape`): 1–64 characters of ASCII
/// letters, digits, `.`, `_` and `-`, like a mount's name, so a mount's own playlist can be
/// named after it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PlaylistName(String);

impl PlaylistName {
    pub fn parse(s: &str) -> Result<Self, MountError> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(MountError::BadPlaylistName(s.to_owned()))
        }
    }

    /// The name a mount's own playlist gets: the mount's name (`radio.mp3` for
    /// `/live/radio.mp3`).
    pub fn of_mount(path: &MountPath) -> Self {
        Self(path.name().to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlaylistName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl MountPath {
    pub fn parse(s: &str) -> Result<Self, MountError> {
        let bad = || MountError::BadPath(s.to_owned());
        let name = s.strip_prefix(MOUNT_PREFIX).ok_or_else(bad)?;
        let ok = !name.is_empty()
            && name.len() <= 64
            && !name.starts_with('.')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `/live/`.
    pub fn name(&self) -> &str {
        &self.0[MOUNT_PREFIX.len()..]
    }
}

impl fmt::Display for MountPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a mount's audio is framed. The audio itself is passed through unchanged; the format
/// only tells the relay where frames begin (so a listener starts on one) and which content
/// type listeners get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioFormat {
    /// MPEG-1/2 audio layer III (and I/II): frames found by their sync header.
    Mp3,
    /// AAC in ADTS frames.
    Aac,
    /// Ogg (Vorbis, Opus, FLAC): pages; new listeners get the codec header pages first.
    Ogg,
}

impl AudioFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            AudioFormat::Mp3 => "mp3",
            AudioFormat::Aac => "aac",
            AudioFormat::Ogg => "ogg",
        }
    }

    /// The content type listeners get when the source named none of this format.
    pub fn content_type(self) -> &'static str {
        match self {
            AudioFormat::Mp3 => "audio/mpeg",
            AudioFormat::Aac => "audio/aac",
            AudioFormat::Ogg => "audio/ogg",
        }
    }

    /// Whether a source's `Content-Type` belongs to this format (so it may be passed on to
    /// listeners as is, with its parameters).
    pub fn accepts_content_type(self, content_type: &str) -> bool {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match self {
            AudioFormat::Mp3 => matches!(essence.as_str(), "audio/mpeg" | "audio/mp3"),
            AudioFormat::Aac => matches!(
                essence.as_str(),
                "audio/aac" | "audio/aacp" | "audio/x-aac" | "audio/mp4a-latm"
            ),
            AudioFormat::Ogg => matches!(
                essence.as_str(),
                "audio/ogg" | "application/ogg" | "audio/opus" | "audio/vorbis" | "audio/x-ogg"
            ),
        }
    }

    /// Whether listeners may ask for ICY metadata blocks. Ogg carries its titles in its own
    /// comment headers, and ICY blocks would corrupt its pages for most players.
    pub fn supports_icy(self) -> bool {
        !matches!(self, AudioFormat::Ogg)
    }
}

impl std::str::FromStr for AudioFormat {
    type Err = MountError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mp3" | "mpeg" | "audio/mpeg" => Ok(AudioFormat::Mp3),
            "aac" | "adts" | "aacp" | "audio/aac" => Ok(AudioFormat::Aac),
            "ogg" | "opus" | "vorbis" | "oga" | "audio/ogg" | "application/ogg" => {
                Ok(AudioFormat::Ogg)
            }
            _ => Err(MountError::BadFormat(s.to_owned())),
        }
    }
}

impl fmt::Display for AudioFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A configured mount, as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Mount {
    pub path: MountPath,
    /// The station name listeners see; empty means "what the source calls itself".
    pub name: String,
    pub format: AudioFormat,
    /// An Argon2id PHC string; the clear password is never stored.
    pub source_password_hash: String,
    /// `None`: no limit.
    pub max_listeners: Option<u32>,
    /// Where listeners go when this mount's source is absent.
    pub fallback: Option<MountPath>,
    pub burst_bytes: u32,
    pub queue_bytes: u32,
    /// Relay this upstream (an Icecast mount, say) while the mount has listeners, instead of
    /// waiting for a source of its own.
    pub relay_from: Option<Upstream>,
    pub created_at: Timestamp,
}

impl fmt::Debug for Mount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mount")
            .field("path", &self.path)
            .field("name", &self.name)
            .field("format", &self.format)
            .field("source_password_hash", &"***")
            .field("max_listeners", &self.max_listeners)
            .field("fallback", &self.fallback)
            .field("burst_bytes", &self.burst_bytes)
            .field("queue_bytes", &self.queue_bytes)
            .field("relay_from", &self.relay_from)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// Where a relay pulls a stream from over plain HTTP: a host, a port and a path, with the
/// credentials to send as Basic authentication when the upstream wants them. Its `Debug` and
/// `Display` never show the password; [`Upstream::as_stored`] is the one way to the whole URL.
#[derive(Clone, PartialEq, Eq)]
pub struct Upstream {
    stored: String,
    pub host: String,
    pub port: u16,
    /// The path and query to `GET`, starting with `/`.
    pub path: String,
    pub user: Option<String>,
    password: Option<crate::secret::Secret<String>>,
}

impl Upstream {
    /// Check `http://[user[:password]@]host[:port]/path`. Only plain HTTP: Icecast relays
    /// speak it, and nodes of one site talk over their private network.
    pub fn parse(s: &str) -> Result<Self, MountError> {
        let s = s.trim();
        let rest = s
            .strip_prefix("http://")
            .ok_or(MountError::BadUpstream("it must start with http://"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        // `[v6]:port`, `[v6]`, `host:port` or `host`.
        let (host, port) = match hostport.strip_prefix('[') {
            Some(v6) => {
                let (h, after) = v6.split_once(']').ok_or(MountError::BadUpstream(
                    "an IPv6 address needs its closing ]",
                ))?;
                (h, after.strip_prefix(':'))
            }
            None => match hostport.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            },
        };
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| MountError::BadUpstream("the port must be a number"))?,
            None => 80,
        };
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(MountError::BadUpstream("it names no host"));
        }
        if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(MountError::BadUpstream("the path has spaces"));
        }
        let (user, password) = match userinfo {
            None => (None, None),
            Some(u) => match u.split_once(':') {
                Some((user, pass)) => (
                    Some(user.to_owned()),
                    Some(crate::secret::Secret::new(pass.to_owned())),
                ),
                None => (Some(u.to_owned()), None),
            },
        };
        Ok(Self {
            stored: s.to_owned(),
            host: host.to_owned(),
            port,
            path: path.to_owned(),
            user,
            password,
        })
    }

    /// The URL as given, password and all: for the store only.
    pub fn as_stored(&self) -> &str {
        &self.stored
    }

    /// The user and password to send, when the URL had them.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.user.as_deref().map(|u| {
            (
                u,
                self.password.as_ref().map_or("", |p| p.expose().as_str()),
            )
        })
    }

    /// `host:port`, bracketed for IPv6, for connecting and the `Host` header.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = if self.user.is_some() { "***@" } else { "" };
        write!(f, "http://{auth}{}{}", self.authority(), self.path)
    }
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Upstream({self})")
    }
}

impl Serialize for Upstream {
    /// Shown as [`Display`](fmt::Display): never the password.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Check the numbers and references of a mount before it is stored.
pub fn check_mount(
    path: &MountPath,
    max_listeners: Option<u32>,
    fallback: Option<&MountPath>,
    burst_bytes: u32,
    queue_bytes: u32,
) -> Result<(), MountError> {
    if queue_bytes < MIN_QUEUE_BYTES {
        return Err(MountError::QueueTooSmall(queue_bytes));
    }
    if burst_bytes > queue_bytes {
        return Err(MountError::BurstOverQueue {
            burst: burst_bytes,
            queue: queue_bytes,
        });
    }
    if fallback == Some(path) {
        return Err(MountError::FallbackToSelf);
    }
    if max_listeners == Some(0) {
        return Err(MountError::NoListeners);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
