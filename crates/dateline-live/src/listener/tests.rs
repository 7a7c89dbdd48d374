//! The batch buffer behind vectored writes, and what a listening task costs.

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

/// Issue 23: memory per listener. A listener's task holds the listener and `stream`'s future
/// for as long as it listens, so every byte of them is paid once per listener (Icecast 2 needs
/// about 1.7 KiB a listener in all). The budget leaves room for the socket and the task's own
/// header; a change that keeps a buffer, a batch or a second copy of the listener in the pump
/// breaks it.
#[tokio::test]
async fn issue_23_a_listening_task_fits_in_its_budget() {
    use crate::{Hub, MountConfig, SourceInfo};
    use dateline_core::live::{AudioFormat, MountPath};
    const BUDGET: usize = 1024;
    let hub = Hub::default();
    let path = MountPath::parse("/live/a.mp3").expect("valid mount path");
    hub.configure(MountConfig::new(path.clone(), AudioFormat::Mp3));
    let _source = hub
        .start_source(&path, SourceInfo::default(), 0)
        .expect("on air");
    let mut listener = hub.listen(&path, false).expect("a listener");
    let (_client, mut server) = tokio::io::duplex(1024);
    let listener_bytes = std::mem::size_of::<Listener>();
    let pump = listener.stream(&mut server);
    let pump_bytes = std::mem::size_of_val(&pump);
    drop(pump);
    eprintln!("listener {listener_bytes} B, pump {pump_bytes} B, budget {BUDGET} B");
    assert!(
        listener_bytes + pump_bytes <= BUDGET,
        "a listening task holds {listener_bytes} B of listener and {pump_bytes} B of pump state: \
         over the {BUDGET} B budget"
    );
}
