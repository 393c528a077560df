"""JSON schemas of SageMaker Model Monitor's file formats, as documented in the project notes."""

NUMBER_OR_NULL = {"type": ["number", "null"]}

STATISTICS = {
    "type": "object",
    "required": ["version", "dataset", "features"],
    "properties": {
        "version": {"const": 0},
        "dataset": {
            "type": "object",
            "required": ["item_count"],
            "properties": {"item_count": {"type": "integer", "minimum": 0}},
        },
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "inferred_type", "numerical_statistics"],
                "properties": {
                    "name": {"type": "string"},
                    "inferred_type": {"enum": ["Integral", "Fractional", "String", "Unknown"]},
                    "numerical_statistics": {
                        "type": "object",
                        "required": [
                            "common",
                            "mean",
                            "sum",
                            "std_dev",
                            "min",
                            "max",
                            "distribution",
                        ],
                        "properties": {
                            "common": {
                                "type": "object",
                                "required": ["num_present", "num_missing"],
                            },
                            "mean": NUMBER_OR_NULL,
                            "sum": {"type": "number"},
                            "std_dev": NUMBER_OR_NULL,
                            "min": NUMBER_OR_NULL,
                            "max": NUMBER_OR_NULL,
                            "distribution": {
                                "type": "object",
                                "required": ["kll"],
                                "properties": {
                                    "kll": {
                                        "type": "object",
                                        "required": ["buckets", "sketch"],
                                        "properties": {
                                            "buckets": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "required": [
                                                        "lower_bound",
                                                        "upper_bound",
                                                        "count",
                                                    ],
                                                },
                                            },
                                            "sketch": {
                                                "type": "object",
                                                "required": ["parameters", "data"],
                                            },
                                        },
                                    }
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}

CONSTRAINTS = {
    "type": "object",
    "required": ["version", "features", "monitoring_config"],
    "properties": {
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "inferred_type", "completeness"],
                "properties": {"completeness": {"type": "number", "minimum": 0, "maximum": 1}},
            },
        },
        "monitoring_config": {
            "type": "object",
            "required": ["evaluate_constraints", "emit_metrics", "distribution_constraints"],
            "properties": {
                "distribution_constraints": {
                    "type": "object",
                    "required": ["perform_comparison", "comparison_threshold", "comparison_method"],
                    "properties": {"comparison_method": {"enum": ["Robust", "Simple"]}},
                }
            },
        },
    },
}

CONSTRAINT_VIOLATIONS = {
    "type": "object",
    "required": ["violations"],
    "properties": {
        "violations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["feature_name", "constraint_check_type", "description"],
                "additionalProperties": False,
                "properties": {
                    "feature_name": {"type": "string"},
                    "description": {"type": "string"},
                    "constraint_check_type": {
                        "enum": [
                            "data_type_check",
                            "completeness_check",
                            "baseline_drift_check",
                            "missing_column_check",
                            "extra_column_check",
                            "categorical_values_check",
                        ]
                    },
                },
            },
        }
    },
}

_CAPTURE_DATA = {
    "type": "object",
    "required": ["observedContentType", "mode", "data", "encoding"],
    "properties": {"encoding": {"enum": ["CSV", "JSON", "BASE64"]}},
}

CAPTURE = {
    "type": "object",
    "required": ["captureData", "eventMetadata", "eventVersion"],
    "properties": {
        "captureData": {
            "type": "object",
            "required": ["endpointInput", "endpointOutput"],
            "properties": {"endpointInput": _CAPTURE_DATA, "endpointOutput": _CAPTURE_DATA},
        },
        "eventMetadata": {
            "type": "object",
            "required": ["eventId", "inferenceId", "inferenceTime"],
        },
        "eventVersion": {"const": "0"},
    },
}

GROUND_TRUTH = {
    "type": "object",
    "required": ["groundTruthData", "eventMetadata", "eventVersion"],
    "properties": {
        "groundTruthData": {
            "type": "object",
            "required": ["data", "encoding"],
            "properties": {"data": {"enum": ["0", "1"]}},
        },
        "eventMetadata": {"type": "object", "required": ["eventId"]},
        "eventVersion": {"const": "0"},
    },
}
