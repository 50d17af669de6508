# Booting a test guest (tests/vm/run.sh, bighost.sh): an initramfs of
# busybox, the static sretrace, static workloads and guest-init.sh, one
# qemu TCG run read off the serial console. Needs $root and $work.

# Decompressed copies of the modules a guest needs (loop for biolat).
add_modules() { # modules_dir dest
	local f
	mkdir -p "$2"
	for name in loop; do
		f=$(find "$1" -name "$name.ko*" | head -1)
		case $f in
		*.ko.xz) xz -dc "$f" >"$2/$name.ko" ;;
		*.ko.zst) zstd -qdc "$f" >"$2/$name.ko" ;;
		*.ko) cp "$f" "$2/" ;;
		esac
	done
}

initramfs() { # modules_dir out
	local s=$work/stage
	rm -rf "$s" && mkdir -p "$s"/{bin,proc,sys,dev,tmp,wl,modules} "$s/sys/fs"
	cp "$(command -v busybox)" "$s/bin/busybox"
	cp "$root/tests/vm/guest-init.sh" "$s/init"
	chmod 755 "$s/init"
	cp "$root/build/sretrace" "$s/sretrace"
	cp "$root"/build/vm/wl/* "$s/wl/"
	cp "$root/tests/vm/mapmem.sh" "$s/mapmem.sh"
	add_modules "$1" "$s/modules"
	(cd "$s" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$2"
}

# boot_guest VMLINUZ INITRD LOG TIMEOUT CPUS MEMORY [KERNEL ARGS]: the
# console in LOG and LOG.txt; qemu's exit status. SRE_VM_TCG_OPTS: more
# -accel tcg options (thread=single for many vCPUs, see bighost.sh). A
# guest that dies before its init runs is a TCG emulation flake (seen:
# 6.12 panicking in sched_clock_cpu at 1.1 s): booted again, at most
# twice. Once init has run, nothing is retried.
boot_guest() {
	local rc attempt
	for attempt in 1 2 3; do
		timeout "$4" qemu-system-x86_64 -accel "tcg${SRE_VM_TCG_OPTS:+,$SRE_VM_TCG_OPTS}" -cpu max -m "$6" -smp "$5" \
			-nic none -nographic -no-reboot \
			-kernel "$1" -initrd "$2" \
			-append "console=ttyS0 panic=-1 quiet loglevel=3 ${7:-}" </dev/null >"$3" 2>&1
		rc=$?
		tr -d '\r' <"$3" >"$3.txt"
		grep -q '^SRE-KERNEL' "$3.txt" && break
		echo "# guest died before init (attempt $attempt), booting again" >&2
		tail -3 "$3.txt" | sed 's/^/# console: /' >&2
	done
	return $rc
}
