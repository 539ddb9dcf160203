#!/bin/bash
# CPUID that tells the truth, and the CPU state our user irqchip keeps with
# it, in every irqchip mode. Each case is a tiny hand-assembled guest (plain
# ELF64: long mode, 4 GiB identity map, CS 0x10) that puts what it saw in its
# exit port value, so the status is (v << 1) | 1. Needs /dev/kvm.
. "$(dirname "$0")/lib.sh"
need_kvm

run() {	# run GUEST OPTS...: the status
	local g=$1
	shift
	run_limited 30 "$VMM" run --quiet --timeout 10 "$@" "$g" >"$TMP/out" 2>"$TMP/err"
	echo $?
}

# No paravirtual interface (vmm/core/kvm.c): v bit 0 = CPUID 0x40000000 EBX is
# "KVMK", bit 1 = CPUID 0x40000001 EAX (KVM's PV features) is not 0, bit 2 =
# CPUID.1:ECX.31 (hypervisor present), which stays set: v = 4.
c=""
	c+=31f6                    # xor %esi,%esi
	c+=b800000040              # mov $0x40000000,%eax
	c+=31c9                    # xor %ecx,%ecx
	c+=0fa2                    # cpuid
	c+=81fb4b564d4b            # cmp $0x4b4d564b,%ebx
	c+=0f94c0                  # sete %al
	c+=0fb6f0                  # movzbl %al,%esi
	c+=b801000040              # mov $0x40000001,%eax
	c+=31c9                    # xor %ecx,%ecx
	c+=0fa2                    # cpuid
	c+=85c0                    # test %eax,%eax
	c+=0f95c0                  # setne %al
	c+=0fb6c0                  # movzbl %al,%eax
	c+=8d3446                  # lea (%rsi,%rax,2),%esi
	c+=b801000000              # mov $0x1,%eax
	c+=31c9                    # xor %ecx,%ecx
	c+=0fa2                    # cpuid
	c+=c1e91f                  # shr $0x1f,%ecx
	c+=8d348e                  # lea (%rsi,%rcx,4),%esi
	c+=89f0                    # mov %esi,%eax
	c+=e6f4                    # out %al,$0xf4
	c+=f4                      # hlt
	c+=ebfd                    # jmp 0x3e
mkguest "$TMP/cpuid" "$c"

# x2APIC only if CPUID offers it: EN|EXTD to IA32_APIC_BASE behind a #GP
# gate. v bit 0 = CPUID.1:ECX.x2APIC, bit 1 = the write was taken (no #GP),
# bit 2 = the guest got to report. Kernel and split offer x2APIC and take the
# write (v = 7); user hides it (docs/DIVERGENCES.md), so EXTD is a reserved
# bit: #GP (v = 4), not an xAPIC page that vanishes under the guest.
c=""
	c+=488d0582000000          # lea 0x82(%rip),%rax # 89
	c+=bf00002000              # mov $0x200000,%edi
	c+=668987d0000000          # mov %ax,0xd0(%rdi)
	c+=66c787d20000001000      # movw $0x10,0xd2(%rdi)
	c+=66c787d4000000008e      # movw $0x8e00,0xd4(%rdi)
	c+=48c1e810                # shr $0x10,%rax
	c+=668987d6000000          # mov %ax,0xd6(%rdi)
	c+=48c1e810                # shr $0x10,%rax
	c+=8987d8000000            # mov %eax,0xd8(%rdi)
	c+=c787dc00000000000000    # movl $0x0,0xdc(%rdi)
	c+=66c78700100000ff0f      # movw $0xfff,0x1000(%rdi)
	c+=4889bf02100000          # mov %rdi,0x1002(%rdi)
	c+=0f019f00100000          # lidt 0x1000(%rdi)
	c+=488da7001f0000          # lea 0x1f00(%rdi),%rsp
	c+=b801000000              # mov $0x1,%eax
	c+=31c9                    # xor %ecx,%ecx
	c+=0fa2                    # cpuid
	c+=c1e915                  # shr $0x15,%ecx
	c+=83e101                  # and $0x1,%ecx
	c+=89ce                    # mov %ecx,%esi
	c+=b91b000000              # mov $0x1b,%ecx
	c+=0f32                    # rdmsr
	c+=0d000c0000              # or $0xc00,%eax
	c+=0f30                    # wrmsr
	c+=8d4606                  # lea 0x6(%rsi),%eax
	c+=e6f4                    # out %al,$0xf4
	c+=f4                      # hlt
	c+=ebfd                    # jmp 86
	c+=8d4604                  # lea 0x4(%rsi),%eax
	c+=e6f4                    # out %al,$0xf4
	c+=f4                      # hlt
	c+=ebfd                    # jmp 8e
mkguest "$TMP/x2apic" "$c"

# CPUID.1:EDX.APIC follows IA32_APIC_BASE.EN (SDM): v bit 0 = APIC while
# enabled, bit 1 = while disabled, bit 2 = enabled again: v = 5.
c=""
	c+=b801000000              # mov $0x1,%eax
	c+=31c9                    # xor %ecx,%ecx
	c+=0fa2                    # cpuid
	c+=c1ea09                  # shr $0x9,%edx
	c+=83e201                  # and $0x1,%edx
	c+=89d6                    # mov %edx,%esi
	c+=b91b000000              # mov $0x1b,%ecx
	c+=0f32                    # rdmsr
	c+=25fff7ffff              # and $0xfffff7ff,%eax
	c+=0f30                    # wrmsr
	c+=b801000000              # mov $0x1,%eax
	c+=31c9                    # xor %ecx,%ecx
	c+=0fa2                    # cpuid
	c+=c1ea09                  # shr $0x9,%edx
	c+=83e201                  # and $0x1,%edx
	c+=8d3456                  # lea (%rsi,%rdx,2),%esi
	c+=b91b000000              # mov $0x1b,%ecx
	c+=0f32                    # rdmsr
	c+=0d00080000              # or $0x800,%eax
	c+=0f30                    # wrmsr
	c+=b801000000              # mov $0x1,%eax
	c+=31c9                    # xor %ecx,%ecx
	c+=0fa2                    # cpuid
	c+=c1ea09                  # shr $0x9,%edx
	c+=83e201                  # and $0x1,%edx
	c+=8d3496                  # lea (%rsi,%rdx,4),%esi
	c+=89f0                    # mov %esi,%eax
	c+=e6f4                    # out %al,$0xf4
	c+=f4                      # hlt
	c+=ebfd                    # jmp 0x55
mkguest "$TMP/apicen" "$c"

# CR8 and TPR are one register (SDM 10.8.6.1): a = TPR[7:4] after MOV CR8 = 3,
# b = CR8 after an MMIO write of 0x60 to TPR, c = TPR is 0x10 after CR8 is
# lowered to 1 (KVM's SET_TPR exit on VMX and SVM); v = a | b << 3 | c << 6 = 115.
c=""
	c+=bf0000e0fe              # mov $0xfee00000,%edi
	c+=c787f0000000ff010000    # movl $0x1ff,0xf0(%rdi)
	c+=b803000000              # mov $0x3,%eax
	c+=440f22c0                # mov %rax,%cr8
	c+=8bb780000000            # mov 0x80(%rdi),%esi
	c+=c1ee04                  # shr $0x4,%esi
	c+=c7878000000060000000    # movl $0x60,0x80(%rdi)
	c+=440f20c0                # mov %cr8,%rax
	c+=c1e003                  # shl $0x3,%eax
	c+=09c6                    # or %eax,%esi
	c+=b801000000              # mov $0x1,%eax
	c+=440f22c0                # mov %rax,%cr8
	c+=8b8780000000            # mov 0x80(%rdi),%eax
	c+=83f810                  # cmp $0x10,%eax
	c+=0f94c0                  # sete %al
	c+=0fb6c0                  # movzbl %al,%eax
	c+=c1e006                  # shl $0x6,%eax
	c+=09f0                    # or %esi,%eax
	c+=e6f4                    # out %al,$0xf4
	c+=f4                      # hlt
	c+=ebfd                    # jmp 0x53
mkguest "$TMP/cr8" "$c"

for mode in kernel split user; do
	is "$(run "$TMP/cpuid" --irqchip=$mode)" 9 \
		"cpuid, $mode: no KVM signature, no PV feature bits, hypervisor bit set"
	x2=15
	[ $mode = user ] && x2=9
	is "$(run "$TMP/x2apic" --irqchip=$mode)" $x2 \
		"x2apic, $mode: EXTD is taken if and only if CPUID offers x2APIC"
	is "$(run "$TMP/apicen" --irqchip=$mode)" 11 \
		"apicen, $mode: CPUID.1:EDX.APIC is 0 while IA32_APIC_BASE.EN is 0"
	is "$(run "$TMP/cr8" --irqchip=$mode)" 231 \
		"cr8, $mode: MOV CR8 and the TPR MMIO register are the same register"
done
done_testing
