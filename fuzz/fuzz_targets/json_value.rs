#![no_main]
//! The shared success-body JSON decoder.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = numport::fuzzing::json_value(data);
});
