# Appends a gradient-descent loop in LLVM IR to a kernel module from emit_llvm_ir, with the
# kernel marked alwaysinline: the "whole loop generated into the same LLVM module" design of
# issue 7, for measuring it against the C++ loop. Usage: make_loop.py KERNEL.ll NAME DIMS
import sys
src, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
ir = open(src).read()
ir = ir.replace('define void @k(', 'define internal void @k(').replace('local_unnamed_addr #0 {', 'local_unnamed_addr alwaysinline #0 {', 1)
ir = ir.replace('@k(', '@k_%s(' % name).replace('@k_batch(', '@kb_%s(' % name)
ir = ir.replace('define void @kb_', 'define internal void @kb_')
loop = f'''
declare double @llvm.fabs.f64(double)
define i64 @{name}(ptr noalias %x, double %lr, i64 %steps, double %limit) {{
entry:
  %out = alloca [{n+1} x double], align 8
  br label %loop
loop:
  %k = phi i64 [0, %entry], [%k1, %cont]
  call void @k_{name}(ptr %x, ptr %out)
  %f = load double, ptr %out
  %af = call double @llvm.fabs.f64(double %f)
  %ok = fcmp ole double %af, %limit
  br i1 %ok, label %ul, label %exit
ul:
  %i = phi i64 [0, %loop], [%i1, %ul]
  %i1 = add i64 %i, 1
  %gp = getelementptr double, ptr %out, i64 %i1
  %g = load double, ptr %gp
  %xp = getelementptr double, ptr %x, i64 %i
  %xi = load double, ptr %xp
  %m = fmul double %lr, %g
  %xn = fsub double %xi, %m
  store double %xn, ptr %xp
  %c = icmp ult i64 %i1, {n}
  br i1 %c, label %ul, label %cont
cont:
  %k1 = add i64 %k, 1
  %more = icmp ult i64 %k1, %steps
  br i1 %more, label %loop, label %exit
exit:
  %r = phi i64 [%k, %loop], [%k1, %cont]
  ret i64 %r
}}
'''
print(ir + loop)
