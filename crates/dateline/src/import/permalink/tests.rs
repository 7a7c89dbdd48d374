use super::*;

fn post(primary_tag: Option<&'static str>) -> PostParts<'static> {
    PostParts {
        slug: "harbour-reopens",
        id: "6565a1b2c3d4e5f600000001",
        // 22:00 on New Year's Eve in New York.
        published_at: "2024-01-01T03:00:00Z".parse().expect("a valid time"),
        primary_tag,
        primary_author: Some("sam"),
    }
}

fn tz(name: &str) -> TimeZone {
    TimeZone::get(name).expect("a tz database name")
}

#[test]
fn fills_in_as_ghost_does() {
    let p = Permalink::parse("/{primary_tag}/{year}/{month}/{day}/{slug}/").expect("valid");
    assert_eq!(
        p.path(&post(Some("news")), &tz("UTC")),
        "/news/2024/01/01/harbour-reopens/"
    );
    // The date in the site's time zone, as Ghost's moment.tz(published_at, timezone).
    assert_eq!(
        p.path(&post(Some("news")), &tz("America/New_York")),
        "/news/2023/12/31/harbour-reopens/"
    );
    // No primary tag: Ghost writes `all`.
    assert_eq!(
        p.path(&post(None), &tz("UTC")),
        "/all/2024/01/01/harbour-reopens/"
    );
    let p = Permalink::parse("/{author}/{id}/").expect("valid");
    assert_eq!(
        p.path(&post(None), &tz("UTC")),
        "/sam/6565a1b2c3d4e5f600000001/"
    );
    assert!(!p.has_dates());
}

#[test]
fn the_default_is_the_slug() {
    let p = Permalink::parse("/{slug}/").expect("valid");
    assert!(p.is_ghost_default());
    assert_eq!(p.path(&post(None), &tz("UTC")), "/harbour-reopens/");
    assert!(
        !Permalink::parse("/blog/{slug}/")
            .expect("valid")
            .is_ghost_default()
    );
}

#[test]
fn refuses_what_ghost_would_not_route() {
    for (bad, why) in [
        ("{slug}/", "starts and ends with /"),
        ("/{slug}", "starts and ends with /"),
        ("/{category}/{slug}/", "{category}"),
        ("/{year}/{month}/", "{slug} or {id}"),
        ("/{slug/", "never closed"),
        ("/slug}/{id}/", "opens nothing"),
    ] {
        let err = Permalink::parse(bad).expect_err(bad).to_string();
        assert!(err.contains(why), "{bad}: {err}");
    }
}
