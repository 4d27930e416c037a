#!/bin/sh
# PID 1 inside the user-mode-linux guest started by hack/uml/run.sh. The host's root filesystem
# is mounted read-only through hostfs; this script makes the few writable places the tests
# need, loads IPVS from the UML module tree, runs the job and powers the kernel off.
# The kernel passes unknown `key=value` boot parameters to init as environment variables:
# `lvs_job` is the host directory (shared read-write over hostfs) that holds the job.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm 2>/dev/null
mkdir -p /run/job /run/netns /tmp/home
mount -t hostfs -o "$lvs_job" none /run/job
exec </dev/null >/run/job/init.log 2>&1

# modprobe -d ROOT looks for ROOT/lib/modules/$(uname -r): point it at the UML module tree.
kver=$(uname -r)
mkdir -p /run/modroot/lib/modules
ln -s "/usr/lib/uml/modules/$kver" "/run/modroot/lib/modules/$kver"
for m in $(cat /run/job/modules 2>/dev/null); do
  modprobe -d /run/modroot "$m" || echo "guest-init: modprobe $m failed"
done
ip link set lo up
# The job may raise socket buffer limits (the netlink client asks for large buffers).
sysctl -q -w net.core.rmem_max=67108864 net.core.wmem_max=67108864 2>/dev/null

export HOME=/tmp/home LVS_IN_UML=1 CI="${lvs_ci:-}"
cwd=$(cat /run/job/cwd)
# A working tree under a directory this script covered with a tmpfs (/tmp, /run) is hidden
# now: bring it back from the host over hostfs before layering the overlay on it.
if [ ! -d "$cwd" ]; then
  mkdir -p "$cwd" && mount -t hostfs -o "$cwd" none "$cwd" || echo "guest-init: hostfs mount of $cwd failed"
fi
# The working tree is read-only here; an overlay with a tmpfs upper layer lets tools write
# their caches (vite's config bundle, vitest's results) without touching the host.
modprobe -d /run/modroot overlay
mkdir -p /tmp/.overlay/up /tmp/.overlay/work
mount -t overlay overlay -o "lowerdir=$cwd,upperdir=/tmp/.overlay/up,workdir=/tmp/.overlay/work" "$cwd" \
  || echo "guest-init: overlay on $cwd failed; the tree stays read-only"
# Host directories shared read-write (run.sh --share), mounted at their own paths.
for d in $(cat /run/job/shares 2>/dev/null); do
  mkdir -p "$d" && mount -t hostfs -o "$d" none "$d" || echo "guest-init: share $d failed"
done
cd "$cwd" || exit 1
bash /run/job/cmd.sh >/run/job/stdout 2>/run/job/stderr
echo $? >/run/job/rc.tmp
sync
mv /run/job/rc.tmp /run/job/rc
sync
umount /run/job
# reboot(2) with RB_POWER_OFF: the UML process exits.
poweroff -f
halt -f
