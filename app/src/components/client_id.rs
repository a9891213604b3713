//! Client ids: made in the browser for everything a phone or a form may send more than once
//! (a check-in, a logged call), so a resend stores nothing twice.

#[cfg(not(feature = "browser"))]
use chrono::Utc;

/// A fresh client id, made in the browser when the rep checks in or logs an activity: a version-4 UUID from the
/// browser's cryptographic generator (`crypto.getRandomValues`, which unlike `randomUUID`
/// also works on a plain-HTTP intranet address), so two of one rep's visits never share one.
pub fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(feature = "browser")]
fn fill_random(bytes: &mut [u8]) {
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(bytes).is_ok());
    if !filled {
        // Every browser that runs wasm has Web Crypto; should one not, the id is still
        // unique on this phone (clock and a counter), just guessable.
        fill_from_clock(bytes, js_sys::Date::now() as u64);
    }
}

/// On the server and in unit tests (no browser): the clock and a counter.
#[cfg(not(feature = "browser"))]
fn fill_random(bytes: &mut [u8]) {
    fill_from_clock(bytes, Utc::now().timestamp_nanos_opt().unwrap_or(1) as u64);
}

/// Distinct ids from `now` and a per-process counter, spread by SplitMix64.
fn fill_from_clock(bytes: &mut [u8], now: u64) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut x = now ^ COUNTER.fetch_add(1, Ordering::Relaxed).rotate_left(32);
    for chunk in bytes.chunks_mut(8) {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
    }
}
