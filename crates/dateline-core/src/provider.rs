//! The checks on an OpenID Connect provider an operator adds (from the CLI or the newsroom's
//! settings): a label a button can show and a sign-in address can carry, and an issuer URL
//! that is https (http only on this machine, for tests and development).

/// Why a provider's label or issuer is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("the label must be 1 to 40 characters")]
    LabelLength,
    #[error("the label must not contain /, ? or # (it is part of the sign-in address)")]
    LabelCharacters,
    #[error("the issuer must be an https:// URL (http:// only on 127.0.0.1 or localhost)")]
    Issuer,
}

/// A label: a word or two a button can show.
pub fn check_label(label: &str) -> Result<String, ProviderError> {
    let l = label.trim();
    if l.is_empty() || l.chars().count() > 40 || l.chars().any(char::is_control) {
        return Err(ProviderError::LabelLength);
    }
    if l.contains('/') || l.contains('?') || l.contains('#') {
        return Err(ProviderError::LabelCharacters);
    }
    Ok(l.to_owned())
}

/// An issuer: an https URL (http only for this machine), without a trailing slash.
pub fn check_issuer(issuer: &str) -> Result<String, ProviderError> {
    let i = issuer.trim().trim_end_matches('/');
    let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| i.starts_with(p));
    if !(i.starts_with("https://") || local) || i.contains(char::is_whitespace) {
        return Err(ProviderError::Issuer);
    }
    Ok(i.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_issuers() {
        assert_eq!(check_label(" Google ").as_deref(), Ok("Google"));
        assert_eq!(check_label(""), Err(ProviderError::LabelLength));
        assert_eq!(check_label("a/b"), Err(ProviderError::LabelCharacters));
        assert_eq!(
            check_issuer("https://accounts.example/").as_deref(),
            Ok("https://accounts.example")
        );
        assert_eq!(
            check_issuer("http://127.0.0.1:9000").as_deref(),
            Ok("http://127.0.0.1:9000")
        );
        assert_eq!(
            check_issuer("http://idp.example"),
            Err(ProviderError::Issuer)
        );
        assert_eq!(
            check_issuer("javascript:alert(1)"),
            Err(ProviderError::Issuer)
        );
    }
}
