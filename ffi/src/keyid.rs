//! Key ids as C sees them: a fixed 16-byte value ([`custodia_key_id`]), with its 32-hex-digit text form.

use core::ffi::c_char;

use super::args::{Out, bytes_arg, str_arg};
use super::boundary::call;
use super::status::custodia_status;
use crate::error::Error;
use custodia_core::Error as CoreError;
use custodia_core::{KEY_ID_LEN, KeyId};

/// Length of a key id in bytes.
pub const CUSTODIA_KEY_ID_LEN: usize = 16;
/// Size of the text form of a key id, including the terminating NUL (32 hex digits + NUL).
pub const CUSTODIA_KEY_ID_TEXT_SIZE: usize = 33;

/// A key id: the short, stable fingerprint of a key (plain data, copied freely; not a handle, not secret).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_key_id {
    /// The id's bytes.
    pub bytes: [u8; CUSTODIA_KEY_ID_LEN],
}

const _: () = assert!(CUSTODIA_KEY_ID_LEN == KEY_ID_LEN && CUSTODIA_KEY_ID_TEXT_SIZE == 2 * KEY_ID_LEN + 1);

impl From<KeyId> for custodia_key_id {
    fn from(id: KeyId) -> Self {
        Self { bytes: *id.as_bytes() }
    }
}

impl From<custodia_key_id> for KeyId {
    fn from(id: custodia_key_id) -> Self {
        KeyId::from_bytes(id.bytes)
    }
}

/// Read a key id argument.
///
/// # Safety
///
/// `p` is NULL or points to a readable `custodia_key_id`.
pub(crate) unsafe fn key_id_arg(p: *const custodia_key_id, name: &'static str) -> crate::Result<KeyId> {
    // SAFETY: the caller guarantees NULL or readable; the struct is plain bytes, so any value is valid.
    unsafe { p.as_ref() }.map(|id| KeyId::from(*id)).ok_or(Error::NullPointer(name))
}

/// Parse the text form of a key id (32 lowercase or uppercase hex digits).
///
/// # Safety
///
/// `text` is NULL (refused) or a NUL-terminated string, borrowed for the call; `out_key_id` is NULL (refused) or
/// writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_id_parse(
    text: *const c_char,
    out_key_id: *mut custodia_key_id,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (text, out) = unsafe { (str_arg(text, "text")?, Out::new(out_key_id, "out_key_id")?) };
        out.write(text.parse::<KeyId>()?.into());
        Ok(())
    })
}

/// Make a key id from its bytes; `len` must be `CUSTODIA_KEY_ID_LEN` (16).
///
/// # Safety
///
/// `bytes` is NULL (refused unless `len` is 0, which is refused as a wrong length) or points to `len` readable
/// bytes, borrowed for the call; `out_key_id` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_id_from_bytes(
    bytes: *const u8,
    len: usize,
    out_key_id: *mut custodia_key_id,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (bytes, out) = unsafe { (bytes_arg(bytes, len, "bytes")?, Out::new(out_key_id, "out_key_id")?) };
        let bytes: [u8; KEY_ID_LEN] = bytes
            .try_into()
            .map_err(|_| CoreError::InvalidArgument(format!("bytes: a key id is {KEY_ID_LEN} bytes, got {len}")))?;
        out.write(custodia_key_id { bytes });
        Ok(())
    })
}

/// Write the text form of a key id (32 lowercase hex digits and a NUL) into the caller's `out_text`, which has
/// room for `out_text_size` bytes: at least `CUSTODIA_KEY_ID_TEXT_SIZE` (33), otherwise
/// `CUSTODIA_ERR_INVALID_ARGUMENT` and nothing is written.
///
/// # Safety
///
/// `key_id` is NULL (refused) or readable; `out_text` is NULL (refused) or writable for `out_text_size` bytes.
/// Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_id_format(
    key_id: *const custodia_key_id,
    out_text: *mut c_char,
    out_text_size: usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let id = unsafe { key_id_arg(key_id, "key_id") }?;
        if out_text.is_null() {
            return Err(Error::NullPointer("out_text"));
        }
        if out_text_size < CUSTODIA_KEY_ID_TEXT_SIZE {
            return Err(CoreError::InvalidArgument(format!(
                "out_text_size: {out_text_size} bytes is too small, need {CUSTODIA_KEY_ID_TEXT_SIZE}"
            ))
            .into());
        }
        let mut text = id.to_string().into_bytes();
        text.push(0);
        // SAFETY: `out_text` is non-NULL and the caller guarantees `out_text_size` >= 33 = `text.len()` writable
        // bytes; a fresh Rust vector cannot overlap the caller's memory.
        unsafe { core::ptr::copy_nonoverlapping(text.as_ptr(), out_text.cast::<u8>(), text.len()) };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_format_and_lengths() {
        let mut id = custodia_key_id { bytes: [0; 16] };
        let text = c"00112233445566778899aabbccddeeff";
        // SAFETY: valid pointers throughout.
        unsafe {
            assert_eq!(custodia_key_id_parse(text.as_ptr(), &raw mut id), custodia_status::CUSTODIA_OK);
            assert_eq!(id.bytes[15], 0xff);
            let mut out = [0 as c_char; 33];
            assert_eq!(custodia_key_id_format(&raw const id, out.as_mut_ptr(), 33), custodia_status::CUSTODIA_OK);
            assert_eq!(core::ffi::CStr::from_ptr(out.as_ptr()), text);
            assert_eq!(
                custodia_key_id_format(&raw const id, out.as_mut_ptr(), 32),
                custodia_status::CUSTODIA_ERR_INVALID_ARGUMENT
            );
            let bytes = [1_u8; 17];
            assert_eq!(
                custodia_key_id_from_bytes(bytes.as_ptr(), 17, &raw mut id),
                custodia_status::CUSTODIA_ERR_INVALID_ARGUMENT
            );
            assert_eq!(custodia_key_id_from_bytes(bytes.as_ptr(), 16, &raw mut id), custodia_status::CUSTODIA_OK);
            assert_eq!(id.bytes, [1; 16]);
        }
    }
}
