//! Genesis JSON for types without serde: their SCALE encoding as `0x`-prefixed hex.

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};
use serde::{Deserialize, Deserializer, Serializer};

fn to_hex(bytes: &[u8]) -> String {
	alloc::format!("0x{}", hex::encode(bytes))
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
	hex::decode(text.strip_prefix("0x").unwrap_or(text)).ok()
}

fn decode<T: Decode, E: serde::de::Error>(text: &str) -> Result<T, E> {
	let bytes = from_hex(text).ok_or_else(|| E::custom("expected hex"))?;
	T::decode(&mut &bytes[..]).map_err(|_| E::custom("not a SCALE encoding of the expected type"))
}

/// One value.
pub mod one {
	use super::*;

	/// Serializes as hex of the SCALE encoding.
	pub fn serialize<T: Encode, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
		s.serialize_str(&to_hex(&value.encode()))
	}

	/// Deserializes from hex of the SCALE encoding.
	pub fn deserialize<'de, T: Decode, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
		let text = String::deserialize(d)?;
		decode(&text)
	}
}

/// A list of values.
pub mod many {
	use super::*;

	/// Serializes as a list of hex SCALE encodings.
	pub fn serialize<T: Encode, S: Serializer>(values: &[T], s: S) -> Result<S::Ok, S::Error> {
		s.collect_seq(values.iter().map(|v| to_hex(&v.encode())))
	}

	/// Deserializes from a list of hex SCALE encodings.
	pub fn deserialize<'de, T: Decode, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
		let texts = Vec::<String>::deserialize(d)?;
		texts.iter().map(|t| decode(t)).collect()
	}
}
