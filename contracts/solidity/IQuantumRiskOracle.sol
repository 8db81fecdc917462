// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title QuantumAegis quantum-risk oracle
/// @notice A precompile of every QuantumAegis chain at
///         0x000000000000000000000000000000000a0e0000. Read-only: call it with `staticcall`
///         (a Solidity `view` call) or `call` without value; a delegate call, a call carrying
///         value or an unknown selector reverts.
/// @dev The runtime parses this very file to decode calls (alloy `sol!`), so the selectors and
///      encodings here are the ones the chain answers to.
interface IQuantumRiskOracle {
    /// @notice The published risk score in basis points, 0..=10000.
    function riskScore() external view returns (uint16);

    /// @notice The level in force: 0 Normal, 1 Elevated, 2 Emergency.
    function riskLevel() external view returns (uint8);

    /// @notice The scores from which the level is Elevated and Emergency (6000 and 9000 by default).
    function thresholds() external view returns (uint16 elevated, uint16 emergency);

    /// @notice Block number of the last published score.
    function lastUpdated() external view returns (uint64);

    /// @notice The post-quantum policy of the level in force: whether every batch must also carry
    ///         an SLH-DSA-SHA2-256s signature, and the most blocks a worker's keys may live.
    function pqcPolicy() external view returns (bool batchRequiresSlhDsa, uint32 keyRotationBlocks);

    /// @notice Attested, live sequencer workers (primary and redundancy) at this block.
    function activeWorkers() external view returns (uint32);
}
