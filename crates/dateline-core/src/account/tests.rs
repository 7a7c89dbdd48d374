//! Unit tests of the account rules: email shape, password length, the throttle's wait.

use super::*;

#[test]
fn emails_are_trimmed_and_lower_cased() {
    assert_eq!(
        Email::parse("  Amira@Example.COM ").map(|e| e.to_string()),
        Ok("amira@example.com".to_owned())
    );
    for bad in [
        "",
        "amira",
        "@example.com",
        "amira@",
        "a b@example.com",
        "a@b@c",
        "a@.com",
        "a@com.",
    ] {
        assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn password_length_is_the_rule() {
    assert_eq!(check_password("short"), Err(PasswordError::TooShort));
    assert_eq!(check_password("long enough"), Ok(()));
    assert_eq!(
        check_password(&"x".repeat(MAX_PASSWORD + 1)),
        Err(PasswordError::TooLong)
    );
}

#[test]
fn throttle_waits_until_the_oldest_failure_leaves_the_window() {
    let now: Timestamp = "2026-03-10T12:00:00Z".parse().expect("literal");
    let t = Throttle::ACCOUNT;
    assert_eq!(t.wait(4, Some(now), now), None);
    let oldest = now - SignedDuration::from_mins(5);
    assert_eq!(
        t.wait(5, Some(oldest), now),
        Some(SignedDuration::from_mins(10))
    );
    assert_eq!(
        t.wait(5, Some(now - SignedDuration::from_mins(15)), now),
        None
    );
    assert_eq!(minutes_text(SignedDuration::from_secs(61)), "2 minutes");
    assert_eq!(minutes_text(SignedDuration::from_secs(5)), "1 minute");
}
