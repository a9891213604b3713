//! Resources that the browser decodes with the same JSON reader as server function answers
//! (issue 21). Leptos's default resource codec reads its JSON with `serde_json::from_str`,
//! server functions read theirs with `serde_json::from_slice`: every type that arrives both
//! ways (all of them: a resource loads through a server function) was compiled into the wasm
//! twice, once per reader. [`Json`] reads through the slice reader, so there is one copy.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// JSON for resources, read as bytes like a server function's answer.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, Self::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// A resource loaded on the server and handed to the browser as [`Json`].
pub type Loaded<T> = Resource<T, Json>;

/// [`Resource::new`] with the [`Json`] codec.
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// [`OnceResource::new`] with the [`Json`] codec.
#[track_caller]
pub fn once_resource<T>(fut: impl Future<Output = T> + Send + 'static) -> OnceResource<T, Json>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    OnceResource::new_with_options(fut, false)
}
