//! The SMTP settings: `--smtp-*` flags > `DATELINE_SMTP_*` variables > the `[smtp]` table of
//! `dateline.toml`. Without a host the site sends no mail (and says so on the reader forms).
//! A part of `config`, the one module that reads the environment. The password is a
//! [`Secret`] from the moment it is read: it never reaches a log or an error message.

use anyhow::bail;
use clap::Args;
use dateline_core::secret::Secret;
use dateline_web::mail::{SmtpSettings, SmtpTls};
use serde::Deserialize;

fn secret(s: &str) -> Result<Secret<String>, String> {
    Ok(Secret::new(s.to_owned()))
}

/// Flags and variables (each beats the file's key of the same name).
#[derive(Debug, Args, Default, Clone)]
pub struct SmtpArgs {
    /// SMTP server for mail to readers (verification, password reset). [default: no mail]
    #[arg(long = "smtp-host", env = "DATELINE_SMTP_HOST")]
    pub host: Option<String>,
    /// SMTP port. [default: 587 for starttls, 465 for tls, 25 for none]
    #[arg(long = "smtp-port", env = "DATELINE_SMTP_PORT")]
    pub port: Option<u16>,
    /// Connection security: starttls (required), tls (SMTPS) or none. [default: starttls]
    #[arg(long = "smtp-tls", env = "DATELINE_SMTP_TLS")]
    pub tls: Option<SmtpTls>,
    /// SMTP user name (with a password: authenticate).
    #[arg(long = "smtp-username", env = "DATELINE_SMTP_USERNAME")]
    pub username: Option<String>,
    /// SMTP password. Prefer the variable or the file: a flag shows in the process list.
    #[arg(long = "smtp-password", env = "DATELINE_SMTP_PASSWORD", hide_env_values = true,
          value_parser = secret)]
    pub password: Option<Secret<String>>,
    /// The From address of mail to readers, e.g. "The Herald <news@herald.example>".
    #[arg(long = "smtp-from", env = "DATELINE_SMTP_FROM")]
    pub from: Option<String>,
}

/// The `[smtp]` table.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct SmtpFile {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<SmtpTls>,
    pub username: Option<String>,
    pub password: Option<Secret<String>>,
    pub from: Option<String>,
}

/// The checked settings, or None when no host is set.
pub fn resolve(args: SmtpArgs, file: Option<SmtpFile>) -> anyhow::Result<Option<SmtpSettings>> {
    let file = file.unwrap_or_default();
    let host = args.host.or(file.host).filter(|h| !h.trim().is_empty());
    let from = args.from.or(file.from);
    let username = args.username.or(file.username);
    let password = args.password.or(file.password);
    let tls = args.tls.or(file.tls).unwrap_or_default();
    let port = args.port.or(file.port);
    let Some(host) = host else {
        if from.is_some() || username.is_some() || password.is_some() || port.is_some() {
            bail!("smtp: settings are given but no host (smtp.host, DATELINE_SMTP_HOST)");
        }
        return Ok(None);
    };
    let Some(from) = from.filter(|f| !f.trim().is_empty()) else {
        bail!("smtp: a From address is needed (smtp.from, DATELINE_SMTP_FROM)");
    };
    if username.is_some() != password.is_some() {
        bail!("smtp: a user name and a password go together (smtp.username, smtp.password)");
    }
    Ok(Some(SmtpSettings {
        host: host.trim().to_owned(),
        port: port.unwrap_or(tls.default_port()),
        tls,
        username,
        password,
        from: from.trim().to_owned(),
        dkim: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_table_and_the_password_never_prints() {
        let file: SmtpFile = toml::from_str(
            "host = \"mail.example\"\ntls = \"tls\"\nusername = \"u\"\npassword = \"hunter2-long\"\n\
             from = \"News <news@example.com>\"\n",
        )
        .expect("parses");
        let s = resolve(SmtpArgs::default(), Some(file.clone()))
            .expect("resolves")
            .expect("configured");
        assert_eq!(
            (s.host.as_str(), s.port, s.tls),
            ("mail.example", 465, SmtpTls::Tls)
        );
        let shown = format!("{s:?} {file:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        let args = SmtpArgs {
            port: Some(2525),
            tls: Some(SmtpTls::None),
            ..SmtpArgs::default()
        };
        let s = resolve(args, Some(file))
            .expect("resolves")
            .expect("configured");
        assert_eq!((s.port, s.tls), (2525, SmtpTls::None));
    }

    #[test]
    fn no_host_means_no_mail_and_half_settings_are_refused() {
        assert!(
            resolve(SmtpArgs::default(), None)
                .expect("resolves")
                .is_none()
        );
        let no_host: SmtpFile = toml::from_str("from = \"a@b.example\"").expect("parses");
        assert!(resolve(SmtpArgs::default(), Some(no_host)).is_err());
        let no_from: SmtpFile = toml::from_str("host = \"mail.example\"").expect("parses");
        assert!(resolve(SmtpArgs::default(), Some(no_from)).is_err());
        assert!(toml::from_str::<SmtpFile>("tls = \"ssl\"").is_err());
        assert!(toml::from_str::<SmtpFile>("hots = \"x\"").is_err());
    }
}
