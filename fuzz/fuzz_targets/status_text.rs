#![no_main]
//! Status maps and other text readers (port types, MSISDNs, street lines).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    numport::fuzzing::status_text(&String::from_utf8_lossy(data));
});
