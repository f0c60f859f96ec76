//! A small `multipart/form-data` reader for the sandboxes: enough for the
//! forms HTTP clients send (RFC 7578), not a general MIME parser.

/// One part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    pub(crate) name: String,
    pub(crate) file_name: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
}

/// The boundary of a `multipart/form-data` content type.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The parameters of a `Content-Disposition` value (`form-data; name="a";
/// filename="b.pdf"`), by lower-cased name; `None` when a quoted string is not
/// closed. Quoted values may hold `;` and backslash escapes (`\"`, `\\`), as
/// RFC 7578 senders such as reqwest write them.
fn params(disposition: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut chars = disposition.chars().peekable();
    // The disposition type, up to the first `;`.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ';').is_some() {}
        if chars.peek().is_none() {
            return Some(out);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && *c != ';') {
            key.push(c);
        }
        let key = key.trim().to_ascii_lowercase();
        if chars.next_if_eq(&'=').is_none() {
            out.push((key, String::new()));
            continue;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => value.push(chars.next()?),
                    c => value.push(c),
                }
            }
            // Anything between the closing quote and the next `;` is ignored.
            while chars.next_if(|c| *c != ';').is_some() {}
        } else {
            while let Some(c) = chars.next_if(|c| *c != ';') {
                value.push(c);
            }
            value = value.trim().to_owned();
        }
        out.push((key, value));
    }
}

fn param(params: &[(String, String)], name: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// The parts of `body`, or `None` when it is not a well-formed form.
pub(crate) fn parse(body: &[u8], boundary: &str) -> Option<Vec<Part>> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut at = find(body, &delimiter, 0)? + delimiter.len();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return Some(parts);
        }
        at = find(body, b"\r\n", at)? + 2;
        let head_end = find(body, b"\r\n\r\n", at)?;
        let head = std::str::from_utf8(&body[at..head_end]).ok()?;
        let next = find(
            body,
            &[b"\r\n".as_slice(), &delimiter].concat(),
            head_end + 4,
        )?;
        let mut part = Part {
            name: String::new(),
            file_name: None,
            content_type: None,
            body: body[head_end + 4..next].to_vec(),
        };
        for line in head.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                let params = params(value)?;
                part.name = param(&params, "name")?;
                part.file_name = param(&params, "filename");
            } else if key.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(value.trim().to_owned());
            }
        }
        parts.push(part);
        at = next + 2 + delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_and_file_parts() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"mdn\"\r\n\r\n4246346488\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"loa\"; filename=\"loa.pdf\"\r\n\
Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--XyZ--\r\n";
        let parts = parse(body, "XyZ").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "mdn");
        assert_eq!(parts[0].body, b"4246346488");
        assert_eq!(parts[1].file_name.as_deref(), Some("loa.pdf"));
        assert_eq!(parts[1].content_type.as_deref(), Some("application/pdf"));
        assert_eq!(parts[1].body, b"%PDF-1.4");
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XyZ\"").as_deref(),
            Some("XyZ")
        );
        assert_eq!(parse(b"garbage", "XyZ"), None);
        assert_eq!(parse(b"--XyZ\r\nno end", "XyZ"), None);
    }

    #[test]
    fn quoted_parameters_keep_quotes_semicolons_and_escapes() {
        let got = params(r#"form-data; name="loa"; filename="Jane \"JJ\" Roe; a\\b.pdf""#);
        assert_eq!(
            got,
            Some(vec![
                ("name".to_owned(), "loa".to_owned()),
                (
                    "filename".to_owned(),
                    r#"Jane "JJ" Roe; a\b.pdf"#.to_owned()
                ),
            ])
        );
        assert_eq!(
            params("form-data; NAME=mdn ; filename=\"\"").as_deref(),
            Some(
                &[
                    ("name".to_owned(), "mdn".to_owned()),
                    ("filename".to_owned(), String::new()),
                ][..]
            )
        );
        assert_eq!(params(r#"form-data; name="unclosed"#), None);
        assert_eq!(params(r#"form-data; name="trailing\"#), None);
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"loa\"; \
filename=\"a \\\"b\\\"; c.pdf\"\r\n\r\n%PDF\r\n--XyZ--\r\n";
        let parts = parse(body, "XyZ").unwrap();
        assert_eq!(parts[0].file_name.as_deref(), Some(r#"a "b"; c.pdf"#));
    }
}
