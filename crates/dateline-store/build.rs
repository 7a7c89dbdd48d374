//! Rebuild the store when a migration is added or changed: `sqlx::migrate!` embeds the
//! migration files at compile time, and cargo does not otherwise notice a new file in the
//! folder (an incremental build would then run without it).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
