#![no_main]
//! Cellhire answers: data[0] picks the operation, data[1] the HTTP status, the rest is the body.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = numport::fuzzing::cellhire(data);
});
