//! Password hashing with argon2id at OWASP's parameters (m = 19456 KiB, t = 2, p = 1).
//!
//! Hashing is deliberately slow (about 10 ms of one core), so it runs on the blocking
//! pool behind a semaphore: a login storm queues here instead of starving other requests.

use std::sync::{Arc, Mutex};

use anyhow::Context;
use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

/// OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
const OUTPUT_LEN: usize = 32;

fn params() -> Params {
    Params::new(M_COST_KIB, T_COST, P_COST, Some(OUTPUT_LEN)).unwrap_or_default()
}

/// One hash's working memory (19 MiB). The [`Hasher`] keeps one per permit and reuses
/// them: allocating and freeing 19 MiB per login fragments the allocator's arenas until
/// the process holds gigabytes.
fn memory() -> Vec<Block> {
    vec![Block::default(); params().block_count()]
}

/// Hashes a password into a PHC string, using `memory` as argon2's working memory.
fn hash_with(memory: &mut [Block], password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let mut out = [0u8; OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
        .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, memory)
        .map_err(|e| anyhow::anyhow!("Failed to hash a password: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let out = Output::new(&out).map_err(|e| anyhow::anyhow!("hash output: {e}"))?;
    Ok(format!(
        "$argon2id$v=19$m={M_COST_KIB},t={T_COST},p={P_COST}${salt}${out}"
    ))
}

/// Checks a password against a PHC string; `memory` is used when its parameters are ours
/// (older hashes with other parameters get memory of their own).
fn verify_with(memory: &mut [Block], password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = parsed
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or_default();
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let mut own;
    let blocks: &mut [Block] = if params.block_count() == memory.len() {
        memory
    } else {
        own = vec![Block::default(); params.block_count()];
        &mut own
    };
    let ok = Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, blocks)
        .is_ok();
    // `Output` compares in constant time.
    ok && Output::new(&out).is_ok_and(|o| o == expected)
}

/// Hashes a password (blocking; for the command line — servers go through [`Hasher`]).
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    hash_with(&mut memory(), password)
}

/// Checks a password against a stored PHC string (blocking).
pub fn verify_blocking(password: &str, phc: &str) -> bool {
    verify_with(&mut memory(), password, phc)
}

/// Hashes and verifies passwords with bounded concurrency.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// One working memory per permit, reused by every hash.
    memories: Arc<Mutex<Vec<Vec<Block>>>>,
    /// A real hash of a random password: unknown logins are verified against it so that
    /// timing does not tell which accounts exist.
    dummy_hash: Arc<str>,
}

impl Hasher {
    /// A hasher allowing `concurrency` hashes at once.
    pub fn new(concurrency: usize) -> anyhow::Result<Self> {
        let concurrency = concurrency.max(1);
        let mut memories: Vec<Vec<Block>> = (0..concurrency).map(|_| memory()).collect();
        let mut random = [0u8; 24];
        rand::rng().fill_bytes(&mut random);
        let dummy = hash_with(
            &mut memories[0],
            &base64::Engine::encode(&base64::engine::general_purpose::STANDARD, random),
        )?;
        Ok(Hasher {
            permits: Arc::new(Semaphore::new(concurrency)),
            memories: Arc::new(Mutex::new(memories)),
            dummy_hash: dummy.into(),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut [Block]) -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let queued = std::time::Instant::now();
        let _permit = self
            .permits
            .acquire()
            .await
            .context("The password hasher is shut down")?;
        crate::metrics::observe_since("cuocthi_argon2_queue_wait_seconds", queued);
        let memories = self.memories.clone();
        tokio::task::spawn_blocking(move || {
            // A permit guarantees a free memory; allocate only if that ever fails.
            let mut memory = memories
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop()
                .unwrap_or_else(memory);
            let result = job(&mut memory);
            memories
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(memory);
            result
        })
        .await
        .context("A password hashing task failed")
    }

    /// Hashes a new password. It travels to the hashing thread as a `SecretString`: printed
    /// redacted if ever logged, and zeroed when dropped.
    pub async fn hash(&self, password: impl Into<SecretString>) -> anyhow::Result<String> {
        let password = password.into();
        self.run(move |memory| hash_with(memory, password.expose_secret()))
            .await?
    }

    /// Verifies a password against the stored hash, or against the dummy hash when there
    /// is no account (always `false` then), so both cases take the same time.
    pub async fn verify(
        &self,
        password: impl Into<SecretString>,
        stored: Option<String>,
    ) -> anyhow::Result<bool> {
        let password = password.into();
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let ok = self
            .run(move |memory| verify_with(memory, password.expose_secret(), &phc))
            .await?;
        Ok(ok && known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_made_by_the_reference_implementation_verify() {
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
            .hash_password("mật khẩu".as_bytes(), &salt)
            .unwrap()
            .to_string();
        assert!(verify_blocking("mật khẩu", &reference));
        assert!(!verify_blocking("mật khẩu khác", &reference));
        // And ours verify with the reference implementation.
        use argon2::password_hash::PasswordVerifier;
        let ours = hash_blocking("mật khẩu").unwrap();
        assert!(
            Argon2::default()
                .verify_password("mật khẩu".as_bytes(), &PasswordHash::new(&ours).unwrap())
                .is_ok()
        );
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let phc = hash_blocking("mật khẩu đúng").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_blocking("mật khẩu đúng", &phc));
        assert!(!verify_blocking("mật khẩu sai", &phc));
        assert!(!verify_blocking("mật khẩu đúng", "not a hash"));
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        let hasher = Hasher::new(1).unwrap();
        assert!(!hasher.verify("anything", None).await.unwrap());
    }
}
