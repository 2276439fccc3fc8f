//! Keys and hashes: resident ID numbers encrypted with AES-256-GCM and looked up by a keyed
//! hash; passwords hashed with argon2id; random tokens for sessions and links.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{Result, StoreError};

type HmacSha256 = Hmac<Sha256>;

/// The keys derived from the deployment's master secret (32 random bytes kept outside the
/// database: a key file or an environment variable).
#[derive(Clone)]
pub struct Keys {
    cipher: Aes256Gcm,
    secrets: Aes256Gcm,
    lookup: [u8; 32],
    fingerprint: String,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(***)")
    }
}

fn derive(master: &[u8; 32], purpose: &str) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("any key length");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Keys {
        let enc = derive(master, "xianfeng/id-number/encrypt/v1");
        Keys {
            cipher: Aes256Gcm::new_from_slice(&enc).expect("32-byte key"),
            secrets: Aes256Gcm::new_from_slice(&derive(
                master,
                "xianfeng/account-secret/encrypt/v1",
            ))
            .expect("32-byte key"),
            lookup: derive(master, "xianfeng/id-number/lookup/v1"),
            fingerprint: hex::encode(&derive(master, "xianfeng/key-fingerprint/v1")[..16]),
        }
    }

    /// A fingerprint of the master key, kept in the database to bind the key to its data:
    /// derived one way from the key (it reveals nothing of it), equal for equal keys.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Parses a master key written as 64 hex digits or base64 (url-safe or standard).
    pub fn parse_master(text: &str) -> Result<[u8; 32]> {
        let t = text.trim();
        let bytes = if t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()) {
            hex::decode(t).map_err(|_| StoreError::Crypto)?
        } else {
            URL_SAFE_NO_PAD
                .decode(t.trim_end_matches('='))
                .or_else(|_| base64::engine::general_purpose::STANDARD.decode(t))
                .map_err(|_| {
                    StoreError::Config(
                        "密钥格式错误：应为 64 位十六进制或 base64 编码的 32 字节".into(),
                    )
                })?
        };
        bytes
            .try_into()
            .map_err(|_| StoreError::Config("密钥长度错误：应为 32 字节".into()))
    }

    pub fn generate_master() -> [u8; 32] {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        k
    }

    /// Encrypts a resident ID number: 12-byte random nonce followed by the ciphertext and tag.
    pub fn encrypt_id(&self, plain: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut out = nonce.to_vec();
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .expect("encryption of a short text cannot fail");
        out.extend_from_slice(&ct);
        out
    }

    pub fn decrypt_id(&self, stored: &[u8]) -> Result<String> {
        if stored.len() < 12 + 16 {
            return Err(StoreError::Crypto);
        }
        let (nonce, ct) = stored.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| StoreError::Crypto)?;
        String::from_utf8(plain).map_err(|_| StoreError::Crypto)
    }

    /// Encrypts an account secret (the second factor's key): nonce, ciphertext and tag, under a
    /// key of its own derived from the master key.
    pub fn encrypt_secret(&self, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut out = nonce.to_vec();
        let ct = self
            .secrets
            .encrypt(Nonce::from_slice(&nonce), plain)
            .expect("encryption of a short value cannot fail");
        out.extend_from_slice(&ct);
        out
    }

    pub fn decrypt_secret(&self, stored: &[u8]) -> Result<Vec<u8>> {
        if stored.len() < 12 + 16 {
            return Err(StoreError::Crypto);
        }
        let (nonce, ct) = stored.split_at(12);
        self.secrets
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| StoreError::Crypto)
    }

    /// Keyed look-up hash of an ID number (one person per ID, search by ID).
    pub fn id_lookup(&self, plain: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.lookup).expect("any key length");
        mac.update(plain.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// A random 256-bit token, url-safe.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// argon2id with the crate defaults (m = 19 MiB, t = 2, p = 1: OWASP's recommendation).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with valid parameters")
        .to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash that costs as much to check as a real one, for unknown user names (no timing hint).
pub fn dummy_verify(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let h = DUMMY.get_or_init(|| hash_password("dummy-password-for-timing"));
    let _ = verify_password(password, h);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_round_trip_and_lookup() {
        let keys = Keys::from_master(&[7u8; 32]);
        let c1 = keys.encrypt_id("11010519491231002X");
        let c2 = keys.encrypt_id("11010519491231002X");
        assert_ne!(c1, c2, "random nonces");
        assert_eq!(keys.decrypt_id(&c1).unwrap(), "11010519491231002X");
        assert_eq!(
            keys.id_lookup("11010519491231002X"),
            keys.id_lookup("11010519491231002X")
        );
        let other = Keys::from_master(&[8u8; 32]);
        assert!(other.decrypt_id(&c1).is_err());
        assert_ne!(
            other.id_lookup("11010519491231002X"),
            keys.id_lookup("11010519491231002X")
        );
        let mut tampered = c1.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(keys.decrypt_id(&tampered).is_err());
        assert!(keys.decrypt_id(&[1, 2, 3]).is_err());
        assert_eq!(
            keys.fingerprint(),
            Keys::from_master(&[7u8; 32]).fingerprint()
        );
        assert_ne!(keys.fingerprint(), other.fingerprint());
        assert_eq!(keys.fingerprint().len(), 32);
    }

    #[test]
    fn master_key_formats() {
        let hexkey = "00".repeat(32);
        assert_eq!(Keys::parse_master(&hexkey).unwrap(), [0u8; 32]);
        let b64 = URL_SAFE_NO_PAD.encode([1u8; 32]);
        assert_eq!(Keys::parse_master(&b64).unwrap(), [1u8; 32]);
        assert!(Keys::parse_master("short").is_err());
    }

    #[test]
    fn passwords() {
        let h = hash_password("Correct-horse-1");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Correct-horse-1", &h));
        assert!(!verify_password("correct-horse-1", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}

// ---- TOTP (RFC 6238 over HMAC-SHA1, 30-second steps, 6 digits) ----

/// Seconds per step.
const TOTP_STEP: u64 = 30;

/// A new 160-bit secret (the length RFC 4226 recommends).
pub fn totp_new_secret() -> Vec<u8> {
    let mut b = vec![0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

/// The secret as the authenticator app takes it (base32, no padding).
pub fn totp_encoded(secret: &[u8]) -> String {
    match totp_rs::Secret::Raw(secret.to_vec()).to_encoded() {
        totp_rs::Secret::Encoded(s) => s.trim_end_matches('=').to_string(),
        totp_rs::Secret::Raw(_) => unreachable!("to_encoded gives the encoded form"),
    }
}

/// The secret from its base32 form (older versions stored it so).
pub fn totp_decoded(encoded: &str) -> Option<Vec<u8>> {
    totp_rs::Secret::Encoded(encoded.trim().to_ascii_uppercase())
        .to_bytes()
        .ok()
}

fn totp_of(secret: &[u8]) -> totp_rs::TOTP {
    totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 0, TOTP_STEP, secret.to_vec())
}

/// The time step a code belongs to: the current step or one either side (clock drift), and
/// only a step later than `used` (the last one accepted), so that a code is accepted once.
/// Codes are compared in constant time.
pub fn totp_step_of(secret: &[u8], code: &str, unix: i64, used: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| c.is_ascii_digit()).collect();
    if code.len() != 6 || unix < TOTP_STEP as i64 {
        return None;
    }
    let totp = totp_of(secret);
    let now = unix / TOTP_STEP as i64;
    [now - 1, now, now + 1]
        .into_iter()
        .filter(|s| used.is_none_or(|u| *s > u))
        .find(|s| totp.check(&code, *s as u64 * TOTP_STEP))
}

/// The code of a step (for tests and the enrolment check).
pub fn totp_code(secret: &[u8], step: i64) -> String {
    totp_of(secret).generate(step.max(0) as u64 * TOTP_STEP)
}

/// Compares two secrets (tokens) in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod totp_tests {
    use super::*;

    #[test]
    fn rfc6238_vectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 8 digits truncated to 6
        let secret = b"12345678901234567890";
        assert_eq!(totp_code(secret, 59 / 30), "287082");
        assert_eq!(totp_code(secret, 1111111109 / 30), "081804");
        assert_eq!(totp_code(secret, 2000000000 / 30), "279037");
    }

    #[test]
    fn steps_are_matched_once_and_within_one_step_of_drift() {
        let secret = b"12345678901234567890";
        let enc = totp_encoded(secret);
        assert_eq!(enc, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(totp_decoded(&enc).unwrap(), secret);
        assert_eq!(totp_step_of(secret, "287082", 59, None), Some(1));
        assert_eq!(totp_step_of(secret, "287 082", 59 + 30, None), Some(1));
        assert_eq!(totp_step_of(secret, "287082", 59 + 120, None), None);
        assert_eq!(
            totp_step_of(secret, "287082", 59, Some(1)),
            None,
            "used once"
        );
        assert_eq!(totp_step_of(secret, "12345", 59, None), None);
        assert_eq!(totp_step_of(secret, "287082", -5, None), None);
    }

    #[test]
    fn secrets_are_encrypted_under_their_own_key() {
        let keys = Keys::from_master(&[7u8; 32]);
        let sealed = keys.encrypt_secret(b"12345678901234567890");
        assert_ne!(&sealed[12..32], b"12345678901234567890");
        assert_eq!(
            keys.decrypt_secret(&sealed).unwrap(),
            b"12345678901234567890"
        );
        assert!(keys.decrypt_id(&sealed).is_err(), "not the ID numbers' key");
        let other = Keys::from_master(&[8u8; 32]);
        assert!(other.decrypt_secret(&sealed).is_err());
    }

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
