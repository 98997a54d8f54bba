"""The lecture's tiny network: MLP(3, [4, 4, 1]) with tanh, four examples, MSE, gradient descent.

python examples/lecture_mlp.py
"""

import random

from micrograd.nn import MLP

random.seed(1337)
xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]  # desired targets
model = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh")
print(model)  # 41 parameters

for k in range(20):
    ypred = [model(x) for x in xs]  # forward pass
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
    model.zero_grad()  # gradients accumulate: clear them first
    loss.backward()  # backward pass
    for p in model.parameters():  # gradient descent
        p.data += -0.05 * p.grad
    print(k, loss.data)

print("predictions:", [round(model(x).data, 3) for x in xs])
