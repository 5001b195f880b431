#!/usr/bin/env bash
# Installs the Debian packages hvcosim needs, only when one is missing.
# Icarus Verilog 11, the RISC-V cross toolchain (rv32 guests), yosys (synthesis report),
# lcov (genhtml: the RTL code-coverage pages), chromium (headless rendering tests of the reports).
set -euo pipefail
need=()
command -v iverilog >/dev/null 2>&1 || need+=(iverilog)
command -v riscv64-unknown-elf-gcc >/dev/null 2>&1 || need+=(gcc-riscv64-unknown-elf)
command -v riscv64-unknown-elf-objdump >/dev/null 2>&1 || need+=(binutils-riscv64-unknown-elf)
command -v yosys >/dev/null 2>&1 || need+=(yosys)
command -v genhtml >/dev/null 2>&1 || need+=(lcov)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ((${#need[@]} == 0)); then
  exit 0
fi
echo "setup: installing Debian packages: ${need[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install ${need[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
