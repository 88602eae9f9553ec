#!/bin/sh
# Installs what `BENCH_ONLY=compare npm run bench` compares against, from Debian (bookworm):
#   orthanc 1.10.1 (/usr/sbin/Orthanc), python3-pydicom 2.3, python3-numpy, python3-pil,
#   and the native decoders bench/native-anchors.ts times as anchors (bench/inline.ts,
#   bench/cold-compressed.ts): gdcmconv (libgdcm-tools), dcmdjpeg (dcmtk), opj_decompress
#   (libopenjp2-tools: JPEG 2000, and HTJ2K since OpenJPEG 2.5) and ojph_expand (openjph-tools: HTJ2K).
# The benchmark starts its own Orthanc on loopback with its own ports and storage; the
# system service the package ships is kept from starting (or stopped and disabled) so it
# never holds 8042/4242 or runs in the background.
set -eu

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

# Deny service starts during the install (policy-rc.d exit 101 = "action forbidden"), unless
# the machine already has a policy (Docker images usually ship one that denies everything).
CREATED_POLICY=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  CREATED_POLICY=1
fi
cleanup() { if [ -n "$CREATED_POLICY" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  orthanc python3-pydicom python3-numpy python3-pil libgdcm-tools dcmtk libopenjp2-tools openjph-tools

# If a system Orthanc started anyway (systemd ignores policy-rc.d), stop and disable it.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl stop orthanc.service 2>/dev/null || true
  $SUDO systemctl disable orthanc.service 2>/dev/null || true
fi
if [ -x /etc/init.d/orthanc ]; then
  $SUDO /etc/init.d/orthanc stop >/dev/null 2>&1 || true
  command -v update-rc.d >/dev/null 2>&1 && $SUDO update-rc.d orthanc disable >/dev/null 2>&1 || true
fi

/usr/sbin/Orthanc --version | head -n 1
command -v gdcmconv dcmdjpeg opj_decompress ojph_expand
/usr/bin/python3 -c 'import pydicom, numpy, PIL; print("pydicom", pydicom.__version__, "numpy", numpy.__version__, "Pillow", PIL.__version__)'
if command -v ss >/dev/null 2>&1 && ss -ltn 2>/dev/null | grep -Eq ':(8042|4242)\b'; then
  echo "WARNING: something listens on 8042 or 4242 (a system Orthanc?); the benchmark uses its own ports regardless." >&2
fi
