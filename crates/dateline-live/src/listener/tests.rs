//! The batch buffer behind vectored writes.

use super::*;
use bytes::Buf;

#[test]
fn a_batch_is_its_parts_in_order_whatever_the_write_sizes() {
    let parts = vec![
        Bytes::from_static(b"abc"),
        Bytes::new(),
        Bytes::from_static(b"defgh"),
        Bytes::from_static(b"i"),
    ];
    let mut batch = Batch::new(&parts);
    assert_eq!(batch.remaining(), 9);
    let mut slices = [IoSlice::new(&[]); 8];
    assert_eq!(batch.chunks_vectored(&mut slices), 3);
    let mut got = Vec::new();
    // Writes that end mid-part, on a part's end, and across parts.
    for n in [2, 1, 4, 2] {
        got.extend_from_slice(&batch.chunk()[..n.min(batch.chunk().len())]);
        let take = n.min(batch.chunk().len());
        batch.advance(take);
        if take < n {
            got.extend_from_slice(&batch.chunk()[..n - take]);
            batch.advance(n - take);
        }
    }
    assert_eq!(got, b"abcdefghi");
    assert_eq!(batch.remaining(), 0);
    assert!(batch.chunk().is_empty());
}
