use super::*;

fn ts(s: &str) -> Timestamp {
    s.parse().expect("valid timestamp literal")
}

#[test]
fn text_is_cleaned_and_bounded() {
    assert_eq!(
        comment_text("  hi\r\nthere \u{202E}x "),
        Ok("hi\nthere x".to_owned())
    );
    assert_eq!(comment_text(" \u{200B} "), Err(TextError::Empty));
    assert_eq!(
        comment_text(&"a".repeat(MAX_COMMENT + 1)),
        Err(TextError::TooLong)
    );
    assert_eq!(display_name("Amira\nX"), Ok("AmiraX".to_owned()));
    assert_eq!(display_name("  "), Err(TextError::EmptyName));
    assert_eq!(report_reason(""), Err(TextError::EmptyReason));
}

#[test]
fn paragraphs_and_links() {
    let p = paragraphs(
        "See https://example.com/a?b=1.\nNext line\n\nwww.example.org and javascript:alert(1)",
    );
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].len(), 2);
    assert_eq!(
        p[0][0],
        vec![
            Segment {
                text: "See ".into(),
                href: None
            },
            Segment {
                text: "https://example.com/a?b=1".into(),
                href: Some("https://example.com/a?b=1".into())
            },
            Segment {
                text: ".".into(),
                href: None
            },
        ]
    );
    assert_eq!(p[1][0][0].href.as_deref(), Some("https://www.example.org"));
    // Only http(s) ever becomes a link.
    assert_eq!(p[1][0].iter().filter(|s| s.href.is_some()).count(), 1);
    assert_eq!(link_count("http:// alone, and xhttps://no"), 0);
    assert_eq!(link_count("<https://a.example/\"onclick=x>"), 1);
    let q = paragraphs("\"https://a.example/\"onmouseover=alert(1)");
    let link = q[0][0].iter().find(|s| s.href.is_some()).expect("a link");
    assert_eq!(link.href.as_deref(), Some("https://a.example/"));
}

#[test]
fn rules_reject_hold_publish() {
    let rules = DiscussionRules {
        banned_words: vec!["Scum".into()],
        suspect_words: vec!["casino".into()],
        max_links: 1,
        hold_first: 1,
        ..DiscussionRules::default()
    };
    let old = Context {
        prior_comments: 3,
        pre_moderated: false,
        unverified: false,
    };
    assert!(matches!(
        judge(&rules, "you SCUM!", old),
        Verdict::Reject(_)
    ));
    assert_eq!(
        judge(&rules, "scumbag is not the word", old),
        Verdict::Publish
    );
    assert!(matches!(
        judge(&rules, "best casino", old),
        Verdict::Hold(_)
    ));
    assert!(matches!(
        judge(&rules, "http://a.example http://b.example", old),
        Verdict::Hold(_)
    ));
    assert!(matches!(
        judge(&rules, "hello", Context::default()),
        Verdict::Hold(_)
    ));
    let pre = Context {
        prior_comments: 3,
        pre_moderated: true,
        unverified: false,
    };
    assert!(matches!(judge(&rules, "hello", pre), Verdict::Hold(_)));
    let unverified = Context {
        unverified: true,
        ..old
    };
    assert_eq!(
        judge(&rules, "hello", unverified),
        Verdict::Hold("email address not verified yet".to_owned())
    );
    // A banned word is refused even so: holding it would only delay the same answer.
    assert!(matches!(
        judge(&rules, "you scum", unverified),
        Verdict::Reject(_)
    ));
    assert_eq!(judge(&rules, "hello", old), Verdict::Publish);
}

#[test]
fn edit_window_and_bans() {
    let rules = DiscussionRules::default();
    let at = ts("2026-03-10T12:00:00Z");
    assert!(may_edit(&rules, at, ts("2026-03-10T12:05:00Z")));
    assert!(!may_edit(&rules, at, ts("2026-03-10T12:05:01Z")));
    assert!(!Ban::default().active(at));
    assert!(
        Ban {
            until: Some(ts("2026-03-11T00:00:00Z")),
            forever: false
        }
        .active(at)
    );
    assert!(
        !Ban {
            until: Some(ts("2026-03-09T00:00:00Z")),
            forever: false
        }
        .active(at)
    );
    assert!(
        Ban {
            until: None,
            forever: true
        }
        .active(at)
    );
}

#[test]
fn statuses_and_sorts_round_trip() {
    for s in ["published", "pending", "rejected", "spam", "deleted"] {
        assert_eq!(s.parse::<CommentStatus>().map(|c| c.as_str()), Ok(s));
    }
    assert_eq!(Sort::parse(Some("newest")), Sort::Newest);
    assert_eq!(Sort::parse(Some("<script>")), Sort::Oldest);
}

#[test]
fn rules_load_from_partial_json() {
    let r: DiscussionRules = serde_json::from_str(r#"{"max_links": 5}"#).expect("parses");
    assert_eq!(r.max_links, 5);
    assert_eq!(r.edit_window_secs, 300);
}

#[test]
fn standards_are_list_items() {
    assert_eq!(
        standards("Intro\n\n- Be kind\n2. No spam\n"),
        vec!["Be kind", "No spam"]
    );
    assert_eq!(standards("").len(), 6);
}

#[test]
fn standards_have_short_labels_without_markdown() {
    assert_eq!(
        standard_label("**Be civil.** Argue with ideas, not with people. Personal attacks…"),
        "Be civil"
    );
    assert_eq!(
        standard_label("Be civil: no personal attacks, insults or threats."),
        "Be civil"
    );
    assert_eq!(
        standard_label("No hate speech or harassment of any person or group."),
        "No hate speech or harassment of any…"
    );
    assert_eq!(standard_label("No spam"), "No spam");
    for s in standards(DEFAULT_STANDARDS) {
        let label = standard_label(&s);
        assert!(!label.is_empty() && label.chars().count() <= 40, "{label}");
        assert!(!label.contains('*'), "{label}");
    }
}
