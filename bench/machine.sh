# Sourced by the bench run scripts: one description of the machine for every report.
# host_machine prints "<n> CPUs (nproc), <model>, host kernel <release>".
host_machine() {
  echo "$(nproc) CPUs (nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), host kernel $(uname -r)"
}
