"""The article's grid search, as the article wrote it: the baseline of ``bench.overhead``.

Kept deliberately plain (top-level loops, raw sizes and prices, no seeding, the test split
picks the winner) because it is the script people write and we claim to beat. Do not
tidy it up: the benchmark times exactly this. It needs torch only.
"""

import itertools

import torch
import torch.nn as nn
import torch.optim as optim

# Size in square feet and bedrooms; price in $1000s.
X = torch.tensor([[1400, 3], [1600, 3], [1700, 4], [1875, 4]], dtype=torch.float32)
y = torch.tensor([[245.0], [312.0], [279.0], [308.0]])
X_train, y_train = X[:2], y[:2]
X_test, y_test = X[2:], y[2:]


class HousePriceModel(nn.Module):
    def __init__(self, hidden_size, dropout):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden_size)
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden_size, 1)

    def forward(self, x):
        return self.fc2(self.dropout(self.relu(self.fc1(x))))


def train_and_evaluate(hidden_size, lr, dropout, batch_size, epochs=50):
    model = HousePriceModel(hidden_size, dropout)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    criterion = nn.MSELoss()
    for _epoch in range(epochs):
        model.train()
        for i in range(0, len(X_train), batch_size):
            optimizer.zero_grad()
            loss = criterion(model(X_train[i : i + batch_size]), y_train[i : i + batch_size])
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        return criterion(model(X_test), y_test).item()


hidden_sizes = [8, 16, 32]
learning_rates = [0.01, 0.001]
dropouts = [0.1, 0.2]
batch_sizes = [1, 2]

best_loss, best_params = float("inf"), None
for hidden_size, lr, dropout, batch_size in itertools.product(
    hidden_sizes, learning_rates, dropouts, batch_sizes
):
    test_loss = train_and_evaluate(hidden_size, lr, dropout, batch_size)
    print(f"hidden={hidden_size} lr={lr} dropout={dropout} batch={batch_size}: test MSE {test_loss:.2f}")
    if test_loss < best_loss:
        best_loss, best_params = test_loss, (hidden_size, lr, dropout, batch_size)

print(f"Best: {best_params} with test MSE {best_loss:.2f}")
