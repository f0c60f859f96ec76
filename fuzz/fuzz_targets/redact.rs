#![no_main]
//! Redaction of secrets from texts and JSON: the first byte is the secret's length.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (secret, text) = data.split_at(
        data.first()
            .map_or(0, |n| usize::from(*n) % 16)
            .min(data.len()),
    );
    numport::fuzzing::redact(&String::from_utf8_lossy(secret), text);
});
