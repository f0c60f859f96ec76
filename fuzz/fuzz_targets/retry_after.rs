#![no_main]
//! `Retry-After` values, as seconds or HTTP dates.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = numport::fuzzing::retry_after(&String::from_utf8_lossy(data));
});
