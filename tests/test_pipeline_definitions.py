"""The pipeline definitions: valid against the official schema, deterministic, consistent with
the step entrypoints."""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

import jsonschema
import pytest

from stockpred.errors import ConfigError
from stockpred.pipeline_definitions import PIPELINES, local_values, render, render_text

pytestmark = pytest.mark.filterwarnings(
    "ignore:The metaschema specified by \\$schema:DeprecationWarning"
)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SCHEMA = REPO.parent / "shared" / "schemas" / "sagemaker-pipeline-definition.schema.json"


def official_schema() -> dict:
    configured = os.environ.get("STOCKPRED_PIPELINE_SCHEMA")
    path = Path(configured) if configured else DEFAULT_SCHEMA
    if not configured and not path.is_file():
        if os.environ.get("CI"):
            pytest.fail("STOCKPRED_PIPELINE_SCHEMA is not set: .ci/run sets it from ../shared")
        pytest.skip("set STOCKPRED_PIPELINE_SCHEMA to the official schema (CI always does)")
    return json.loads(path.read_text())


def schema_with_documented_gaps(schema: dict) -> dict:
    """The published schema lags the service. Exactly these gaps are filled, nothing else:

    1. Std:Join and Std:JsonGet are accepted by the service wherever a value may be a Get
       (the SageMaker SDK emits them for S3 URIs and conditions); the schema defines
       JoinFunction but references it nowhere, and has no JsonGet at all.
    2. Condition branches may hold any step type (the SDK's ConditionStep takes a Lambda step
       in if_steps); the schema lists five types.
    3. Processing steps carry PropertyFiles at step level (the SDK's PropertyFile); the schema
       has no such property.
    4. RegisterModel takes ModelApprovalStatus (a CreateModelPackage field the SDK emits).
    """
    patched = copy.deepcopy(schema)
    definitions = patched["definitions"]
    definitions["JsonGetFunction"] = {
        "type": "object",
        "required": ["Std:JsonGet"],
        "additionalProperties": False,
        "properties": {
            "Std:JsonGet": {
                "type": "object",
                "required": ["PropertyFile", "Path"],
                "additionalProperties": False,
                "properties": {
                    "PropertyFile": {"$ref": "#/definitions/GetFunction"},
                    "Path": {"type": "string"},
                },
            }
        },
    }
    definitions["JoinFunction"] = {
        "type": "object",
        "required": ["Std:Join"],
        "additionalProperties": False,
        "properties": {
            "Std:Join": {
                "type": "object",
                "required": ["Values"],
                "additionalProperties": False,
                "properties": {
                    "On": {"type": "string"},
                    "Values": {
                        "type": "array",
                        "items": {
                            "oneOf": [{"type": "string"}, {"$ref": "#/definitions/GetFunction"}]
                        },
                    },
                },
            }
        },
    }
    for kind in ("String", "Integer", "Float", "Boolean"):
        definitions[f"{kind}ArgumentValue"]["oneOf"] += [
            {"$ref": "#/definitions/JoinFunction"},
            {"$ref": "#/definitions/JsonGetFunction"},
        ]
    branch = definitions["ConditionStep"]["properties"]["Arguments"]["properties"]
    for key in ("IfSteps", "ElseSteps"):
        branch[key]["items"]["oneOf"].append({"$ref": "#/definitions/LambdaStep"})
    definitions["ProcessingStep"]["properties"]["PropertyFiles"] = {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["PropertyFileName", "OutputName", "FilePath"],
            "additionalProperties": False,
            "properties": {
                "PropertyFileName": {"type": "string"},
                "OutputName": {"type": "string"},
                "FilePath": {"type": "string"},
            },
        },
    }
    register = definitions["RegisterModelStep"]["properties"]["Arguments"]["properties"]
    register["ModelApprovalStatus"] = {"$ref": "#/definitions/StringArgumentValue"}
    return patched


@pytest.mark.parametrize("name", PIPELINES)
def test_definition_validates_against_the_official_schema(name):
    schema = schema_with_documented_gaps(official_schema())
    jsonschema.validate(render(name), schema)


def test_the_schema_gaps_are_real():
    """If a later schema closes a gap, the patch above should shrink with it."""
    definitions = official_schema()["definitions"]
    assert "JsonGetFunction" not in definitions
    assert all(
        "JoinFunction" not in json.dumps(definitions[f"{k}ArgumentValue"])
        for k in ("String", "Integer", "Float", "Boolean")
    )
    assert "PropertyFiles" not in definitions["ProcessingStep"]["properties"]
    register = definitions["RegisterModelStep"]["properties"]["Arguments"]["properties"]
    assert "ModelApprovalStatus" not in register


def test_a_broken_definition_is_caught():
    schema = schema_with_documented_gaps(official_schema())
    broken = render("training")
    broken["Steps"][0]["Type"] = "Processing"
    broken["Steps"][0]["Arguments"]["ProcessingResources"]["ClusterConfig"]["InstanceCount"] = "1"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


@pytest.mark.parametrize("name", PIPELINES)
def test_rendering_is_deterministic_and_complete(name):
    first, second = render_text(name, local_values()), render_text(name, local_values())
    assert first == second
    assert "${" not in first
    json.loads(first)


def test_every_template_placeholder_is_a_known_value():
    for name in PIPELINES:
        template = (REPO / "terraform" / "pipelines" / f"{name}.json.tftpl").read_text()
        assert set(re.findall(r"\$\{(\w+)\}", template)) <= set(local_values())


def test_unsafe_template_values_are_refused():
    values = {**local_values(), "bucket": 'evil", "x": "y'}
    with pytest.raises(Exception, match="unsafe characters: bucket"):
        render_text("training", values)


def test_training_pipeline_shape():
    definition = render("training")
    steps = {s["Name"]: s for s in definition["Steps"]}
    assert [s["Name"] for s in definition["Steps"]] == [
        "Ingest",
        "Process",
        "Train",
        "Evaluate",
        "CheckGate",
    ]
    assert steps["Evaluate"]["PropertyFiles"][0]["FilePath"] == "evaluation.json"
    gate = steps["CheckGate"]["Arguments"]
    assert [s["Name"] for s in gate["IfSteps"]] == ["RegisterModel", "Deploy"]
    assert [s["Type"] for s in gate["ElseSteps"]] == ["Fail"]
    assert {c["Type"] for c in gate["Conditions"]} == {"GreaterThanOrEqualTo", "GreaterThan"}
    hyperparameters = steps["Train"]["Arguments"]["HyperParameters"]
    parameters = {p["Name"]: p for p in definition["Parameters"]}
    for value in hyperparameters.values():  # every hyperparameter is a String parameter
        assert parameters[value["Get"].removeprefix("Parameters.")]["Type"] == "String"


def test_monitoring_pipeline_shape():
    definition = render("monitoring")
    assert [s["Name"] for s in definition["Steps"]] == ["Ingest", "Monitor", "Publish"]
    monitor = definition["Steps"][1]["Arguments"]["AppSpecification"]
    assert monitor["ContainerEntrypoint"] == ["python", "-m", "stockpred.steps.monitor"]


def test_local_runs_take_the_data_source_from_the_environment(monkeypatch):
    monkeypatch.setenv("STOCKPRED_DATA_SOURCE", "snapshot")
    for name in PIPELINES:
        parameters = {p["Name"]: p["DefaultValue"] for p in render(name)["Parameters"]}
        assert parameters["DataSource"] == "snapshot"
    monkeypatch.setenv("STOCKPRED_DATA_SOURCE", "nasdaq")
    with pytest.raises(ConfigError, match="STOCKPRED_DATA_SOURCE='nasdaq' is not valid"):
        render("inference")


@pytest.mark.parametrize("name", PIPELINES)
def test_no_empty_string_reaches_sagemaker(name):
    """SageMaker refuses "" as a parameter value and as a container argument or entrypoint."""
    definition = render(name)
    for parameter in definition["Parameters"]:
        assert parameter.get("DefaultValue") != "", parameter["Name"]
    for step in definition["Steps"]:
        app = step.get("Arguments", {}).get("AppSpecification", {})
        for item in [*app.get("ContainerEntrypoint", []), *app.get("ContainerArguments", [])]:
            assert item != "", f"{step['Name']}: an empty container argument"


def test_inference_pipeline_takes_an_as_of_date():
    definition = render("inference")
    parameters = {p["Name"]: p for p in definition["Parameters"]}
    assert parameters["AsOf"]["DefaultValue"] == "latest"  # the latest completed session
    assert [s["Name"] for s in definition["Steps"]] == ["Ingest", "Process", "Predict"]


@pytest.mark.parametrize("name", PIPELINES)
def test_processing_paths_match_what_the_entrypoints_read_and_write(name):
    """The definition's LocalPaths are the folders the step code uses."""
    expected = {
        "Ingest": (set(), {"raw"}),
        "Process": (
            {"raw"},
            {"train", "validation", "inference", "baseline"}
            if name == "training"
            else {"inference"},
        ),
        "Evaluate": ({"train", "validation"}, {"evaluation"}),
        "Monitor": ({"raw", "baseline", "captures"}, {"report"}),
    }
    for step in render(name)["Steps"]:
        if step["Type"] != "Processing":
            continue
        arguments = step["Arguments"]
        inputs = {i["S3Input"]["LocalPath"] for i in arguments.get("ProcessingInputs", [])}
        outputs = {
            o["S3Output"]["LocalPath"] for o in arguments["ProcessingOutputConfig"]["Outputs"]
        }
        wanted_in, wanted_out = expected[step["Name"]]
        assert inputs == {f"/opt/ml/processing/input/{n}" for n in wanted_in}
        assert outputs == {f"/opt/ml/processing/output/{n}" for n in wanted_out}
        names = {o["OutputName"] for o in arguments["ProcessingOutputConfig"]["Outputs"]}
        assert names == wanted_out
