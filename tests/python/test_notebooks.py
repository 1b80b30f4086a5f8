# The notebooks of examples/notebooks run from top to bottom (nbclient, the python3 kernel of
# Debian's ipykernel), draw their figures, and print the numbers the symdiff program prints
# for the same questions.
import pathlib
import re

import pytest

from conftest import cli_json, cli_out

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[2] / "examples" / "notebooks"


def run(name):
    path = NOTEBOOKS / name
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, startup_timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    text, images = "", 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                text += out["text"]
            elif "image/png" in out.get("data", {}):
                images += 1
            if out.get("output_type") == "error":
                pytest.fail(f"{name}: {out['ename']}: {out['evalue']}")
    return text, images, nb


def number(text, pattern):
    m = re.search(pattern, text)
    assert m, pattern
    return [float(g) for g in m.groups()]


def test_chain_rule_and_gradients():
    text, images, nb = run("chain_rule_and_gradients.ipynb")
    assert images == 3
    steps = cli_out("diff", "sin(x^2)", "--steps").split("\n")
    assert "\n".join(steps[:-1]) in text
    assert f"d/dx sin(x^2) = {steps[-1]}\n" in text
    assert number(text, r"at x = 1.5: (\S+)") == [float(cli_out("diff", "sin(x^2)", "--at", "x=1.5").split("\n")[-1])]
    assert "largest difference from central differences: True" in text
    for g in ("sigmoid(x)", "tanh(x)", "relu(x)", "exp(-x^2)"):
        assert f"d/dx {g} = {cli_out('diff', g)}\n" in text
    grad = cli_out("grad", "x^2*y + sin(x*y)", "--wrt", "x,y", "--at", "x=1,y=2").split("\n")
    assert f"grad f = {grad[0]}\n" in text
    assert number(text, r"at \(1, 2\): \[(\S+), (\S+)\]") == [float(v) for v in grad[-1].strip("[]").split(", ")]
    assert number(text, r"magnitude: (\S+)") == [float(grad[1].split(": ")[1])]
    assert f"H = {cli_out('hessian', '(1-x)^2+100*(y-x^2)^2')}\n" in text
    # Jupyter shows the last expression typeset
    latex = [o["data"]["text/latex"] for o in nb.cells[-1].outputs if "text/latex" in o.get("data", {})]
    assert latex == [r"$\displaystyle \left(1 - x\right)^{2} + 100 \left(y - x^{2}\right)^{2}$"]


def test_optimisation_and_regression():
    text, images, _ = run("optimisation_and_regression.ipynb")
    assert images == 4
    rosenbrock = "(1-x)^2+100*(y-x^2)^2"
    rates = cli_json("minimize", rosenbrock, "--from", "x=-1,y=1", "--lr", "0.0005,0.001,0.002", "--steps", "10000")
    for r in rates["runs"]:
        assert f"lr {r['lr']}: f = {r['f']!r} ({r['verdict']})\n" in text
    gd = cli_json("minimize", rosenbrock, "--from", "x=-1,y=1", "--lr", "0.001", "--steps", "10000")["runs"][0]
    assert number(text, r"end point: x = (\S+), y = (\S+)\n") == [gd["end"]["x"], gd["end"]["y"]]
    assert number(text, r"\nf: (\S+)\n") == [gd["f"]]
    assert f"verdict: {gd['verdict']} after 10000 steps" in text
    lb = cli_json("minimize", rosenbrock, "--from", "x=-1,y=1", "--method", "lbfgs", "--steps", "200",
                  "--tol", "1e-10")["runs"][0]
    assert number(text, r"lbfgs: x = (\S+), y = (\S+) after") == [lb["end"]["x"], lb["end"]["y"]]
    data = str(NOTEBOOKS.parent / "data")
    line = cli_json("fit", "mean((w*x + b - y)^2)", "--data", f"{data}/s000_linreg.csv", "--params", "w,b",
                    "--lr", "0.1", "--epochs", "100")
    assert number(text, r"linear: w = (\S+), b = (\S+), loss = (\S+)\n") == [
        line["fitted"]["w"], line["fitted"]["b"], line["loss"]]
    bce = "mean(softplus(w1*x1 + w2*x2 + b) - y*(w1*x1 + w2*x2 + b))"
    logistic = cli_json("fit", bce, "--data", f"{data}/s003_logistic.csv", "--params", "w1,w2,b",
                        "--lr", "0.1", "--epochs", "1000")
    assert number(text, r"logistic: w1 = (\S+), w2 = (\S+), b = (\S+), loss = (\S+)\n") == [
        logistic["fitted"]["w1"], logistic["fitted"]["w2"], logistic["fitted"]["b"], logistic["loss"]]
    assert "training accuracy: 1.0" in text


def test_notebook_interrupt_stops_a_run(tmp_path):
    """Jupyter's interrupt (SIGINT to the kernel process) stops minimize() where it is, with
    the history kept, and the kernel goes on."""
    import os
    import time
    from jupyter_client.manager import start_new_kernel

    flag = tmp_path / "running"
    km, kc = start_new_kernel(kernel_name="python3", startup_timeout=180, env=dict(os.environ))
    try:
        kc.execute_interactive(
            "import threading, time, pathlib, symdiff\n"
            "f = symdiff.parse('(1-x)^2+100*(y-x^2)^2')\n"
            "def tell():\n"
            "    while symdiff._symdiff._interrupt_scopes() == 0:\n"
            "        time.sleep(0.005)\n"
            f"    pathlib.Path({str(flag)!r}).touch()\n", timeout=60)
        msg_id = kc.execute(
            "threading.Thread(target=tell).start()\n"
            "try:\n"
            "    symdiff.minimize(f, [-1, 1], lr=1e-7, steps=10**12, history_every=10**6)\n"
            "except symdiff.Interrupted as e:\n"
            "    r = e.result\n"
            "    print('stopped:', r.reason, r.steps > 0, len(r.history) >= 1)\n"
            "    raise\n")
        deadline = time.monotonic() + 120
        while not flag.exists():
            assert time.monotonic() < deadline, "the run did not start"
            time.sleep(0.01)
        km.interrupt_kernel()
        # The kernel may flush a printed line in several stream messages: join them.
        printed, errors = "", []
        while True:
            m = kc.get_iopub_msg(timeout=60)
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            if m["msg_type"] == "stream":
                printed += m["content"]["text"]
            elif m["msg_type"] == "error":
                errors.append(m["content"]["ename"])
            elif m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
        assert printed == "stopped: interrupted True True\n" and errors == ["Interrupted"]
        # the kernel is still usable
        reply = kc.execute_interactive("print(symdiff.diff('x^2'))", timeout=60)
        assert reply["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
