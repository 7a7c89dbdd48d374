//! `#[timed]`, put on each `impl Store` block of `dateline-store`: every public `async fn`
//! taking `&self` starts with a guard that, when the store has a query observer (the web
//! layer's metrics), reports the call's name and its duration when the call ends. This is
//! how `dateline_store_query_duration_seconds` times the store's real calls, by method name,
//! without a line in each of the two hundred methods (and so new methods are timed too).
//!
//! The macro only adds that one statement: it must never change a method's signature,
//! body or behaviour, and it leaves private helpers, `fn`s that are not `async`, and
//! methods without a `&self` receiver alone.

use proc_macro::TokenStream;
use quote::quote;
use syn::{FnArg, ImplItem, ItemImpl, Stmt, Visibility, parse_macro_input, parse_quote};

/// Time every public `async fn (&self, …)` of the `impl` block it is put on.
#[proc_macro_attribute]
pub fn timed(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[timed] takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let mut block = parse_macro_input!(item as ItemImpl);
    for item in &mut block.items {
        let ImplItem::Fn(f) = item else { continue };
        let by_ref = matches!(
            f.sig.inputs.first(),
            Some(FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none()
        );
        if f.sig.asyncness.is_none() || !matches!(f.vis, Visibility::Public(_)) || !by_ref {
            continue;
        }
        let name = f.sig.ident.to_string();
        // A static per method: its slot among the observer's histograms is found once.
        let guard: Stmt = parse_quote! {
            let _timed = {
                static QUERY: crate::timing::Query = crate::timing::Query::new(#name);
                self.time_query(&QUERY)
            };
        };
        f.block.stmts.insert(0, guard);
    }
    quote!(#block).into()
}
