//! The armored text form: `-----BEGIN CUSTODIA ENVELOPE-----`, standard padded base64 in lines of exactly 64
//! characters (the last 1 to 64), `-----END CUSTODIA ENVELOPE-----`.
//!
//! Decoding is strict (no junk, no short or long lines, canonical base64) and constant time in the data (base64ct).

use std::borrow::Cow;

use base64ct::{Base64, Encoding};

use crate::error::{Error, Result};

/// First line of the armored form.
pub const BEGIN: &str = "-----BEGIN CUSTODIA ENVELOPE-----";
/// Last line of the armored form.
pub const END: &str = "-----END CUSTODIA ENVELOPE-----";
/// Base64 characters per full line.
pub const LINE_LEN: usize = 64;

/// The armored form of envelope bytes; lines end in `\n`, including the last.
#[must_use]
pub fn armor(envelope: &[u8]) -> String {
    armor_labeled(BEGIN, END, envelope)
}

/// The armored form of `bytes` between the lines `begin` and `end` (the same rules for other objects: grants,
/// receipts).
pub(crate) fn armor_labeled(begin: &str, end: &str, envelope: &[u8]) -> String {
    let b64 = Base64::encode_string(envelope);
    let mut out = String::with_capacity(begin.len() + end.len() + b64.len() + b64.len() / LINE_LEN + 4);
    out.push_str(begin);
    out.push('\n');
    for line in b64.as_bytes().chunks(LINE_LEN) {
        out.push_str(core::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(end);
    out.push('\n');
    out
}

/// Whether `input` looks armored (starts with the BEGIN line, after optional ASCII whitespace).
#[must_use]
pub fn is_armored(input: &[u8]) -> bool {
    input.trim_ascii_start().starts_with(BEGIN.as_bytes())
}

/// Decode the armored form. Leading and trailing ASCII whitespace around the whole text is ignored, and lines may
/// end in `\n` or `\r\n`; nothing else is tolerated.
///
/// # Errors
/// [`Error::Armor`] naming the rule broken.
pub fn dearmor(input: &[u8]) -> Result<Vec<u8>> {
    dearmor_labeled(BEGIN, END, input)
}

/// Decode an armored form with these BEGIN and END lines, by the rules of [`dearmor`].
pub(crate) fn dearmor_labeled(begin: &str, end: &str, input: &[u8]) -> Result<Vec<u8>> {
    let text = core::str::from_utf8(input.trim_ascii()).map_err(|_| Error::Armor("not ASCII text".into()))?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    if lines.next() != Some(begin) {
        return Err(Error::Armor("missing BEGIN line".into()));
    }
    let mut body = String::with_capacity(text.len());
    let mut ended = false;
    let mut short_seen = false;
    for line in lines.by_ref() {
        if line == end {
            ended = true;
            break;
        }
        if short_seen {
            return Err(Error::Armor("only the last base64 line may be shorter than 64 characters".into()));
        }
        match line.len() {
            0 => return Err(Error::Armor("empty line".into())),
            LINE_LEN => {}
            n if n < LINE_LEN => short_seen = true,
            _ => return Err(Error::Armor("line longer than 64 characters".into())),
        }
        body.push_str(line);
    }
    if !ended {
        return Err(Error::Armor("missing END line".into()));
    }
    if lines.next().is_some() {
        return Err(Error::Armor("data after the END line".into()));
    }
    if body.is_empty() {
        return Err(Error::Armor("no data".into()));
    }
    Base64::decode_vec(&body).map_err(|_| Error::Armor("invalid base64".into()))
}

/// Envelope bytes from either form: binary passes through, armored is decoded.
///
/// # Errors
/// [`Error::Armor`] for malformed armor.
pub fn to_binary(input: &[u8]) -> Result<Cow<'_, [u8]>> {
    if is_armored(input) { Ok(Cow::Owned(dearmor(input)?)) } else { Ok(Cow::Borrowed(input)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_strictness() {
        for n in [1usize, 47, 48, 49, 200] {
            let data: Vec<u8> = (0..n).map(|i| u8::try_from(i % 251).unwrap()).collect();
            let a = armor(&data);
            assert_eq!(dearmor(a.as_bytes()).unwrap(), data);
            assert_eq!(dearmor(a.replace('\n', "\r\n").as_bytes()).unwrap(), data);
        }
        let a = armor(&[7u8; 100]);
        // Junk after END, a long line, a short line in the middle, bad characters.
        assert!(dearmor(format!("{a}x").as_bytes()).is_err());
        let lines: Vec<&str> = a.lines().collect();
        let joined = format!("{}\n{}{}\n{}\n", lines[0], lines[1], lines[2], lines[3]);
        assert!(matches!(dearmor(joined.as_bytes()), Err(Error::Armor(_))));
        let split = format!("{}\n{}\n{}\n{}\n{}\n", lines[0], &lines[1][..10], &lines[1][10..], lines[2], lines[3]);
        assert!(dearmor(split.as_bytes()).is_err());
        assert!(dearmor(a.replace('A', "*").as_bytes()).is_err());
        assert!(dearmor(b"-----BEGIN CUSTODIA ENVELOPE-----\n-----END CUSTODIA ENVELOPE-----\n").is_err());
    }
}
