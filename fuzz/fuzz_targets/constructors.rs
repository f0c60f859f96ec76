#![no_main]
//! Every public model constructor and parser.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    numport::fuzzing::constructors(&String::from_utf8_lossy(data));
});
