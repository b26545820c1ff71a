export { argmaxLabels, positiveColumn } from './check.js';
export { confusionMatrix, accuracy, balancedAccuracy, precision, recall, f1Score } from './classification.js';
export type { ConfusionMatrix, AverageOptions } from './classification.js';
export { rocAuc, multiclassAuc, logLoss } from './probabilistic.js';
export { rmse, mae, r2, mape } from './regression.js';
export { chooseThreshold } from './threshold.js';
export { binnedCalibrationError, expectedCalibrationError, reliabilityBins, topLabel } from './calibration.js';
export type { ReliabilityBin } from './calibration.js';
export type { ThresholdCriterion, ThresholdChoice } from './threshold.js';
