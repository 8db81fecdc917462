//! # A vault whose withdrawals follow the chain's quantum-risk level (ink! 6)
//!
//! The ink! twin of `contracts/solidity/QuantumRiskVault.sol`, with the same Solidity ABI
//! (this crate's `ink-lang` ABI is `sol`), so the same calls drive both:
//!
//! - anyone deposits, at every level (`deposit()`, payable);
//! - the owner withdraws (`withdraw(address,uint256)`): anything anywhere at Normal, at most
//!   `elevatedCap` per withdrawal at Elevated, only to the recovery address at Emergency;
//! - the recovery address (`setRecovery(address)`) and the cap (`setElevatedCap(uint256)`)
//!   change only at Normal, so a key stolen once the risk is high cannot redirect the funds.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod risk_vault {
	use ink::U256;
	use quantum_risk_oracle::{oracle, QuantumRiskOracle, ELEVATED, EMERGENCY, NORMAL};

	/// The vault's owner, recovery address and Elevated cap (18-decimal units).
	#[ink(storage)]
	pub struct RiskVault {
		owner: Address,
		recovery: Address,
		elevated_cap: U256,
	}

	/// Value deposited.
	#[ink(event)]
	pub struct Deposited {
		#[ink(topic)]
		from: Address,
		amount: U256,
	}

	/// Value withdrawn, and the level it was withdrawn at.
	#[ink(event)]
	pub struct Withdrawn {
		#[ink(topic)]
		to: Address,
		amount: U256,
		level: u8,
	}

	/// Why a call was refused (each a Solidity custom error).
	#[derive(Debug, PartialEq, Eq)]
	#[ink::error]
	pub enum Error {
		/// Only the owner may do this.
		NotOwner,
		/// Above the cap allowed at Elevated.
		AboveElevatedCap,
		/// At Emergency, only the recovery address may receive.
		OnlyToRecovery,
		/// Only at Normal.
		OnlyAtNormal,
		/// The vault holds less.
		InsufficientBalance,
		/// The transfer failed.
		TransferFailed,
	}

	impl RiskVault {
		/// A vault owned by the caller, with its recovery address and Elevated cap.
		#[ink(constructor, payable)]
		pub fn new(recovery: Address, elevated_cap: U256) -> Self {
			Self { owner: Self::env().caller(), recovery, elevated_cap }
		}

		/// Deposits are accepted at every level.
		#[ink(message, payable)]
		pub fn deposit(&mut self) {
			let amount = self.env().transferred_value();
			self.env().emit_event(Deposited { from: self.env().caller(), amount });
		}

		/// The level the oracle reports now.
		#[ink(message)]
		pub fn level(&self) -> u8 {
			oracle().riskLevel()
		}

		/// The recovery address.
		#[ink(message)]
		pub fn recovery(&self) -> Address {
			self.recovery
		}

		/// Sends `amount` to `to` if the level allows it.
		#[ink(message)]
		pub fn withdraw(&mut self, to: Address, amount: U256) -> Result<(), Error> {
			self.only_owner()?;
			let level = oracle().riskLevel();
			if level >= EMERGENCY {
				if to != self.recovery {
					return Err(Error::OnlyToRecovery);
				}
			} else if level == ELEVATED && amount > self.elevated_cap {
				return Err(Error::AboveElevatedCap);
			}
			if amount > self.env().balance() {
				return Err(Error::InsufficientBalance);
			}
			self.env().transfer(to, amount).map_err(|_| Error::TransferFailed)?;
			self.env().emit_event(Withdrawn { to, amount, level });
			Ok(())
		}

		/// Registers a new recovery address; only at Normal.
		#[ink(message, name = "setRecovery")]
		pub fn set_recovery(&mut self, recovery: Address) -> Result<(), Error> {
			self.only_owner()?;
			self.only_at_normal()?;
			self.recovery = recovery;
			Ok(())
		}

		/// Sets the largest withdrawal allowed at Elevated; only at Normal.
		#[ink(message, name = "setElevatedCap")]
		pub fn set_elevated_cap(&mut self, cap: U256) -> Result<(), Error> {
			self.only_owner()?;
			self.only_at_normal()?;
			self.elevated_cap = cap;
			Ok(())
		}

		fn only_owner(&self) -> Result<(), Error> {
			if self.env().caller() != self.owner {
				return Err(Error::NotOwner);
			}
			Ok(())
		}

		fn only_at_normal(&self) -> Result<(), Error> {
			if oracle().riskLevel() != NORMAL {
				return Err(Error::OnlyAtNormal);
			}
			Ok(())
		}
	}
}
