// Public surface of @recsys/models: deep models served with onnxruntime-node (docs/model-card.md is the contract).
export {
  BATCH_AXIS,
  MODEL_CARD_FILE,
  MODEL_CARD_FORMAT,
  MODEL_OPSET,
  TWO_TOWER_ARCHITECTURE,
  cardArchitecture,
  cardFeatures,
  parseModelCard,
  parseTwoTowerCard,
  type TwoTowerCard,
  type TwoTowerCardParity,
  type TwoTowerCardTower,
  type ModelCard,
  type ModelCardColumn,
  type ModelCardInput,
  type ModelCardOutput,
  type ModelCardParity,
  type ModelCardTraining,
  type ModelOutputKind,
} from './card/model-card';
export { SESSION_OPTIONS, createOnnxModel, loadOnnxModel, type OnnxModel } from './onnx/onnx-model';
export { PARITY_TOLERANCE, checkParity, withinTolerance, type ParityReport, type ParityWorst } from './onnx/parity';
export { fillInputs, planInputs, type InputColumn, type InputPlan, type InputRequest } from './inputs/input-plan';
export { loadTwoTowerModel, type ItemEmbeddingTable, type TwoTowerModel } from './two-tower/two-tower-model';
