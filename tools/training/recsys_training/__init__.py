"""recsys_training: trains the recommender's deep models in PyTorch and exports them to ONNX.

The contract with the TypeScript services is docs/model-card.md: this package reads training-set directories
(`data`) and writes model-store versions with a model card (`export`, `store`).
"""
