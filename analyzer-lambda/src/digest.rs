//! The short hex ids the analyzer derives with SHA-256 (incident ids, fingerprints, batch
//! tokens).

use sha2::{Digest, Sha256};

/// The first 128 bits of the hash, as 32 lower-case hex characters. Written into a buffer
/// of the exact size: `hex::encode` grew its `String` one `char` at a time, once for each
/// of the ten thousand incident ids of a payload.
pub(crate) fn short_hex(hasher: Sha256) -> String {
    let mut hex = [0u8; 32];
    hex::encode_to_slice(&hasher.finalize()[..16], &mut hex).expect("32 hex digits for 16 bytes");
    String::from_utf8(hex.to_vec()).expect("hex digits are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_the_hex_of_the_first_half_of_the_hash() {
        let mut hasher = Sha256::new();
        hasher.update(b"abc");
        // SHA-256("abc") begins ba7816bf 8f01cfea 414140de 5dae2223 (FIPS 180-2, B.1).
        assert_eq!(short_hex(hasher), "ba7816bf8f01cfea414140de5dae2223");
    }
}
