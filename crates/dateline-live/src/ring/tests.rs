//! The ring: bounded bytes, eviction, reads, bursts and Ogg headers.

use super::*;

fn chunk(n: usize, v: u8) -> Bytes {
    Bytes::from(vec![v; n])
}

#[test]
fn the_ring_keeps_its_budget_and_no_more() {
    let mut r = Ring::new(10_000);
    for i in 0..100 {
        r.push(chunk(1000, i), false);
        assert!(r.bytes() < 10_000 + 1000, "{} bytes held", r.bytes());
    }
    assert!(r.bytes() >= 10_000);
    assert_eq!(r.next_seq(), 100);
    assert_eq!(r.first_seq(), 90);
}

#[test]
fn readers_behind_the_ring_are_told() {
    let mut r = Ring::new(3000);
    for i in 0..10 {
        r.push(chunk(1000, i), false);
    }
    let mut out = Vec::new();
    assert_eq!(r.read_from(r.first_seq() - 1, &mut out), None);
    assert_eq!(r.read_from(8, &mut out), Some(10));
    assert_eq!(out.iter().map(|b| b[0]).collect::<Vec<_>>(), vec![8, 9]);
    out.clear();
    assert_eq!(r.read_from(10, &mut out), Some(10));
    assert!(out.is_empty());
}

#[test]
fn bursts_cover_at_least_the_asked_bytes() {
    let mut r = Ring::new(64_000);
    assert_eq!(r.burst_start(5000), (0, None));
    for i in 0..20 {
        r.push(chunk(1500, i), false);
    }
    let (seq, headers) = r.burst_start(5000);
    assert_eq!(seq, 16); // 4 chunks: 6000 bytes ≥ 5000
    assert!(headers.is_none());
    assert_eq!(r.burst_start(0).0, 20);
    assert_eq!(r.burst_start(1_000_000).0, r.first_seq());
}

#[test]
fn ogg_headers_come_first_when_the_burst_starts_after_them() {
    let mut r = Ring::new(4000);
    r.push(Bytes::from_static(b"HEAD"), true);
    r.push(chunk(1000, 1), false);
    // The burst reaches back to the headers: nothing extra.
    assert_eq!(r.burst_start(10_000), (0, None));
    for i in 0..10 {
        r.push(chunk(1000, i), false);
    }
    // The header chunk left the ring but is still given to new readers.
    assert!(r.first_seq() > 0);
    let (seq, headers) = r.burst_start(2000);
    assert_eq!(seq, r.next_seq() - 2);
    assert_eq!(headers.as_deref(), Some(&b"HEAD"[..]));
}

#[test]
fn a_burst_never_begins_inside_a_chained_ogg_stream_before_the_latest_headers() {
    let mut r = Ring::new(100_000);
    r.push(Bytes::from_static(b"HEAD-A"), true);
    r.push(chunk(1000, 1), false);
    r.push(Bytes::from_static(b"HEAD-B"), true);
    r.push(chunk(1000, 2), false);
    // Reaching back into stream A would give its pages without its headers: start at B's.
    assert_eq!(r.burst_start(1500), (2, None));
    assert_eq!(r.burst_start(100_000), (2, None));
    assert_eq!(r.burst_start(1), (3, Some(Bytes::from_static(b"HEAD-B"))));
}
