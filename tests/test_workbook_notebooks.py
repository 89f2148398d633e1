"""The workbooks (notebooks/workbook/) and the coding exercises of chapters 1-4: stubs say
"not implemented yet", the solutions pass.

The solution test executes each workbook with every stub replaced by the code of
its solution dropdown, as a learner who copied the solutions would, and requires
every check of the notebook to pass. A chapter's coding exercise is checked the
same way, with the function of its solution run in the chapter's imports (the
rest of the chapter is nbval's business).
"""

import ast
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "notebooks" / "workbook"
WORKBOOKS = sorted(FOLDER.glob("*.ipynb"))
SOLUTION = re.compile(r"````\{solution\} (\S+)\n:class: dropdown\n\n```python\n(.*?)\n```\n````",
                      re.DOTALL)
DEF = re.compile(r"^def (\w+)\(", re.MULTILINE)
CHECK = re.compile(r'^workbook\.check\("(\w+)", (\w+)')


def _generator():
    spec = importlib.util.spec_from_file_location("make_workbooks",
                                                  ROOT / "tools" / "make_workbooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _text(cell) -> str:
    return "".join(o.get("data", {}).get("text/plain", o.get("text", ""))
                   for o in cell.get("outputs", []))


def test_there_is_a_workbook_for_each_of_chapters_1_to_5():
    for n in range(1, 6):
        assert any(p.name.startswith(f"0{n}_") for p in WORKBOOKS), n


def test_the_workbooks_are_what_tools_make_workbooks_writes():
    assert _generator().main(["--check"]) == 0, \
        "edit tools/make_workbooks.py, run it, then `make notebooks`"


def test_the_table_of_contents_lists_every_workbook_in_its_own_part():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    part = next(p for p in toc["parts"] if p.get("caption") == "Build it yourself")
    files = [c["file"] for c in part["chapters"]]
    assert files == [f"notebooks/workbook/{p.stem}" for p in WORKBOOKS]


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_stored_checks_say_not_implemented_yet_and_solutions_come_after_the_stubs(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].source.startswith("# Workbook ")
    assert "(../0" in nb.cells[2].source            # the recap links to its chapter
    stubs, checks, solutions = {}, [], {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "raise NotImplementedError" in cell.source:
            stubs[DEF.search(cell.source).group(1)] = index
        elif cell.cell_type == "code" and CHECK.match(cell.source):
            name = CHECK.match(cell.source).group(1)
            checks.append(name)
            assert _text(cell).startswith(f"{name}: not implemented yet"), _text(cell)
            assert cell.outputs[0]["data"]["text/html"].count("not implemented yet") == 1
        elif cell.cell_type == "markdown":
            for _, code in SOLUTION.findall(cell.source):
                solutions[DEF.search(code).group(1)] = index
    assert checks and set(checks) == set(stubs) == set(solutions)
    for name in checks:
        assert solutions[name] > stubs[name] + 1, f"the solution of {name} is above its check"


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_with_the_solutions_every_check_passes(path, tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    solutions = {}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for _, code in SOLUTION.findall(cell.source):
                solutions[DEF.search(code).group(1)] = code
    for cell in nb.cells:
        if cell.cell_type == "code" and "raise NotImplementedError" in cell.source:
            cell.source = solutions[DEF.search(cell.source).group(1)]
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    results = [(CHECK.match(c.source).group(1), c.source, _text(c)) for c in nb.cells
               if c.cell_type == "code" and CHECK.match(c.source)]
    assert results
    for name, source, text in results:
        assert text.startswith(f"{name}: passed"), text
        if "forward=" in source:      # the backward pass against the learner's forward
            assert "agree with numerical derivatives of your" in text, text


def test_in_a_notebook_an_error_names_the_cell_and_line_of_the_learners_code(tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from minirnn import workbook"),
        nbformat.v4.new_code_cell("def rnn_step_backward(dh_next, cache):\n"
                                  "    x, h_prev, Wx, Wh, h_next = cache\n"
                                  "    da = dh_next * (1 - h_next ** 2)\n"
                                  "    dx = da @ Wx.T\n"
                                  "    return dx, da @ Wh, da.T @ x, da.T @ h_prev, da.sum(0)"),
        nbformat.v4.new_code_cell('workbook.check("rnn_step_backward", rnn_step_backward)'),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = _text(nb.cells[2])
    assert text.startswith("rnn_step_backward: your code raised an error")
    assert "ValueError at cell In[2], line 4: dx = da @ Wx.T" in text
    assert "ipykernel" not in text and "/tmp" not in text


# ------------------------------------------------------------------ chapters 1-4
CHAPTERS = [ROOT / "notebooks" / f"{stem}.ipynb" for stem in (
    "01_recurrence", "02_vector_matrix_forms", "03_next_word_prediction", "04_bptt")]
CHAPTER_SOLUTION = re.compile(r"````\{solution\} (\S+)\n:class: dropdown\n(.*?)\n````(?:\n|$)",
                              re.DOTALL)
PYTHON_BLOCK = re.compile(r"```python\n(.*?)\n```", re.DOTALL)
LABEL = re.compile(r"\{exercise\}[^\n]*\n:label: (\S+)")


def _function_source(code_blocks, name):
    """The source of ``def name`` in one of the code blocks (None if none defines it)."""
    for code in code_blocks:
        for node in ast.parse(code).body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return ast.get_source_segment(code, node)
    return None


def _coding_exercises(nb):
    """[(name, exercise cell, stub cell, check cell, solution cell)] of a chapter."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "raise NotImplementedError" in cell.source:
            name = DEF.search(cell.source).group(1)
            found.append((name, *nb.cells[i - 1:i + 3]))
    return found


def workbook_names():
    from minirnn import workbook

    return workbook.names()


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_has_a_coding_exercise_with_stub_check_and_hidden_solution(path):
    nb = nbformat.read(path, as_version=4)
    exercises = _coding_exercises(nb)
    assert exercises, f"{path.name}: no coding exercise (a stub raising NotImplementedError)"
    for name, task, stub, check, sol in exercises:
        assert name in workbook_names()
        assert "# your code here" in stub.source
        # the task right above the stub, the check right below it, then the solution
        assert task.cell_type == "markdown" and "{exercise}" in task.source
        label = LABEL.findall(task.source)[-1]
        assert f"`{name}(" in task.source, f"the exercise {label} does not name {name}"
        m = CHECK.match(check.source)
        assert check.cell_type == "code" and m and m.groups() == (name, name), check.source
        assert _text(check).startswith(f"{name}: not implemented yet"), _text(check)
        assert sol.cell_type == "markdown"
        [(sol_label, body)] = CHAPTER_SOLUTION.findall(sol.source)
        assert sol_label == label
        assert sol.metadata.get("jupyter", {}).get("source_hidden") is True
        assert _function_source(PYTHON_BLOCK.findall(body), name), \
            f"the solution of {label} does not define {name}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_solutions_pass_their_check(path):
    nb = nbformat.read(path, as_version=4)
    imports = next(c for c in nb.cells if c.cell_type == "code"
                   and "remove-cell" not in c.metadata.get("tags", []))
    assert "from minirnn import workbook" in imports.source
    for name, _, _, check, sol in _coding_exercises(nb):
        namespace = {}
        exec(imports.source, namespace)
        [(_, body)] = CHAPTER_SOLUTION.findall(sol.source)
        exec(_function_source(PYTHON_BLOCK.findall(body), name), namespace)
        result = eval(check.source, namespace)
        assert result.passed, str(result)
        if "forward=" in check.source:
            assert "agree with numerical derivatives of your" in str(result), str(result)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_ends_with_build_it_yourself_before_its_exercises(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    heads = [line for line in text.splitlines() if line.startswith("## ")]
    assert heads[-3:] == ["## Summary", "## Build it yourself", "## Exercises"], heads[-3:]
    section = text[text.index("## Build it yourself"):text.index("## Exercises")]
    target = f"/notebooks/workbook/{path.stem}_workbook"
    assert f" <{target}>`" in section and "{doc}`" in section, section
    assert (ROOT / f"{target[1:]}.ipynb").exists()
    # and it points to the chapter's own coding exercise, a taste of the workbook
    labels = {LABEL.findall(task.source)[-1] for _, task, *_ in _coding_exercises(nb)}
    assert any(f"{{ref}}`{label}`" in section for label in labels), section
