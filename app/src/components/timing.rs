//! Durations of work done in the browser, kept for the browser benchmarks, which read them
//! through a wasm export (`smart_check_timings`, `forecast_timings`). Only a build with the
//! `bench-timings` feature (`make bench`) records them; elsewhere `timed` only runs the work.

use std::cell::RefCell;
use std::thread::LocalKey;

/// A record of durations in milliseconds, capped so a long session cannot grow it unbounded.
pub type Timings = LocalKey<RefCell<Vec<f64>>>;

/// At most this many durations are kept.
#[cfg(feature = "bench-timings")]
const CAP: usize = 10_000;

/// Runs `work`; in the browser also appends how long it took to `record`, measured with two
/// clock reads and nothing allocated in between.
pub fn timed<T>(
    #[allow(unused_variables)] record: &'static Timings,
    work: impl FnOnce() -> T,
) -> T {
    #[cfg(feature = "bench-timings")]
    {
        let performance = web_sys::window().and_then(|w| w.performance());
        let started = performance.as_ref().map(|p| p.now());
        let result = work();
        if let (Some(p), Some(started)) = (&performance, started) {
            let elapsed = p.now() - started;
            record.with_borrow_mut(|t| {
                if t.len() < CAP {
                    t.push(elapsed);
                }
            });
        }
        result
    }
    #[cfg(not(feature = "bench-timings"))]
    work()
}

/// Hands over the durations recorded so far and empties the record.
#[cfg(feature = "bench-timings")]
pub fn take(record: &'static Timings) -> Vec<f64> {
    record.with_borrow_mut(std::mem::take)
}
