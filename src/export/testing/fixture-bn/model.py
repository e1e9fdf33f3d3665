"""A hand-written stand-in for a generated model.py with BatchNorm, for the torchrun test of train.py."""

from torch import nn

MODEL_INFO = {
    "preset": "cnn-small",
    "task": "image-classification",
    "input_shape": [3, 32, 32],
    "classes": 10,
    "frozen": [],
    "layers": [{"name": "conv", "kind": "conv2d"}, {"name": "bn", "kind": "batchnorm2d"}, {"name": "fc", "kind": "linear"}],
}


class Model(nn.Module):
    """logits = fc(mean_hw(relu(bn(conv(x))))), conv 3x3 stride 4."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=4)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 10)

    def forward(self, x):
        return self.fc(self.bn(self.conv(x)).relu().mean(dim=(2, 3)))


def build_model() -> Model:
    return Model()
