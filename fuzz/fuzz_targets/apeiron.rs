#![no_main]
//! Apeiron answers: data[0] picks JSON or multipart, data[1] the HTTP status, the rest is the body.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = numport::fuzzing::apeiron(data);
});
