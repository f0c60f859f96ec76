#![no_main]
//! Carriers' error bodies: the shared reader and the errors made from it.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    numport::fuzzing::error_body(data);
});
