//! Prizes, published results and certificates (issue #17).
//!
//! From the final ranking to a signed winners list: a prize plan per contest ([`plan`]),
//! the proposed list — a pure function of the standings and the plan ([`propose`]) —,
//! the judges' review (exclusions with reasons), and the organiser's publication, which
//! freezes the list: its body is stored as it was published, with the SHA-256 of exactly
//! those bytes ([`digest`]), and never changes again; an unpublish is audited and leaves
//! the old version readable to staff ([`workflow`]). Each published entry gets a
//! certificate code, verifiable by anyone at `/xac-minh/{code}`, printed on its PDF
//! certificate with a QR code ([`certificate`]).

pub mod certificate;
mod compute;
pub mod export;
pub mod plan;
pub mod propose;
pub mod published;
mod review;
pub mod workflow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use propose::{AwardEntry, UnitAward};

/// What a list holds: its individual and collective prizes. Published, these bytes are
/// the list: the digest is their SHA-256.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwardBody {
    pub entries: Vec<AwardEntry>,
    pub units: Vec<UnitAward>,
    /// The participation certificates of a round's list, when the plan enables them
    /// (absent from lists without them, so their bytes stay what they were).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participation: Vec<AwardEntry>,
}

impl AwardBody {
    /// Every entry that gets a certificate: the prizes, then the participation
    /// certificates. A certificate's `position` indexes this sequence.
    pub fn certified(&self) -> impl Iterator<Item = &AwardEntry> {
        self.entries.iter().chain(&self.participation)
    }
}

/// A judges' exclusion of a person from a list, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Exclusion {
    pub participant_id: i64,
    /// The person's name when they were excluded.
    pub name: String,
    pub reason: String,
    pub by: Option<i64>,
    pub at: DateTime<Utc>,
}

/// Lowercase hex SHA-256 of `bytes`: the digest of a published list.
pub fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// The letters of certificate codes: no 0/O, 1/I/L, so a code read aloud or typed from
/// paper is not mistaken.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A new certificate code, `XXXX-XXXX` (31^8 ≈ 8.5·10^11 codes: guessing one is hopeless,
/// and `/xac-minh` answers the same 404 to every unknown code).
pub fn new_code(rng: &mut impl rand::Rng) -> String {
    let mut code = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            code.push('-');
        }
        code.push(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char);
    }
    code
}

/// Whether `code` has the shape of a certificate code (checked before any query).
pub fn is_code(code: &str) -> bool {
    code.len() == 9
        && code.bytes().enumerate().all(|(i, b)| {
            if i == 4 {
                b == b'-'
            } else {
                CODE_ALPHABET.contains(&b)
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_their_shape_and_forged_shapes_are_refused() {
        let mut rng = rand::rng();
        for _ in 0..100 {
            let code = new_code(&mut rng);
            assert!(is_code(&code), "{code}");
        }
        for forged in [
            "",
            "ABCD-EFG",
            "ABCD-EFGO",
            "abcd-efgh",
            "ABCDEFGHJ",
            "ABCD-EFGH/",
        ] {
            assert!(!is_code(forged), "{forged}");
        }
    }

    #[test]
    fn the_digest_is_the_sha256_of_the_bytes() {
        assert_eq!(
            digest(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
