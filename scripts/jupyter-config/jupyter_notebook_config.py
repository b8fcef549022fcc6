# Settings of the Jupyter Notebook server that `npm run notebook` starts (src/pipeline/notebook-server.ts
# puts this folder on JUPYTER_CONFIG_PATH, after the user's own config folder, which keeps priority).
#
# Saving a notebook keeps its cells (code, prose, a researcher's notes) but not its outputs or execution
# counts: committed notebooks carry no outputs (test/e2e/committed-notebooks.test.ts), and the tables and
# figures of an interactive session are already in outputs-interactive/.


def strip_outputs(model, **kwargs):
    """ContentsManager.pre_save_hook: clear the outputs and execution counts of every code cell."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    for cell in model["content"].get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None


c = get_config()  # noqa: F821 (provided by Jupyter when it loads this file)
c.ContentsManager.pre_save_hook = strip_outputs
