// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./IQuantumRiskOracle.sol";

/// @title Reads the oracle every way a contract can, for the runtime's tests
/// @notice Not an example to copy: it forwards raw calldata, including by delegatecall and with
///         value, to show what the precompile refuses.
contract OracleProbe {
    address public constant ORACLE = 0x000000000000000000000000000000000a0e0000;

    /// @notice Every function of the interface, through its typed ABI.
    function readAll()
        external
        view
        returns (
            uint16 score,
            uint8 level,
            uint16 elevated,
            uint16 emergency,
            uint64 updated,
            bool slhDsa,
            uint32 rotation,
            uint32 workers
        )
    {
        IQuantumRiskOracle oracle = IQuantumRiskOracle(ORACLE);
        score = oracle.riskScore();
        level = oracle.riskLevel();
        (elevated, emergency) = oracle.thresholds();
        updated = oracle.lastUpdated();
        (slhDsa, rotation) = oracle.pqcPolicy();
        workers = oracle.activeWorkers();
    }

    function viaStaticcall(bytes calldata data) external view returns (bool ok, bytes memory out) {
        (ok, out) = ORACLE.staticcall(data);
    }

    function viaDelegatecall(bytes calldata data) external returns (bool ok, bytes memory out) {
        (ok, out) = ORACLE.delegatecall(data);
    }

    function viaCall(bytes calldata data) external payable returns (bool ok, bytes memory out) {
        (ok, out) = ORACLE.call{value: msg.value}(data);
    }
}
